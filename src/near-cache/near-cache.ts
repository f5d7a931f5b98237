import { LRUCache } from 'lru-cache';
import { DEFAULTS } from '../defaults';
import { decodeEntry, type EntryShape } from '../protocol/entry-codec';
import { StrategyError } from '../errors';
import type { Serializer } from '../repository/serializer';
import { copyValue } from '../protocol/value-copy';
import { checkTtlSeconds } from '../repository/ttl';
import type { InvalidationFence } from './invalidation-fence';

/**
 * How one strategy's near cache (an in-process L1 in front of Redis) is bounded. TTLs are
 * seconds. An entry is kept until Redis says its key changed (client tracking, see
 * `client-tracking.ts`), until it is evicted by these bounds, or until its TTL runs out,
 * whichever comes first.
 */
export interface NearCacheOptions {
  /** Most entries kept; the least recently used go first. */
  maxEntries: number;
  /** Most bytes kept, as estimated by {@link estimateEntryBytes}. @default 16 MiB */
  maxBytes?: number | undefined;
  /** Seconds an entry is served at most; never longer than the key's Redis TTL, which is also the default. */
  ttlSeconds?: number | undefined;
}

/** Default of {@link NearCacheOptions.maxBytes}: 16 MiB (`DEFAULTS.nearCacheMaxBytes`). */
export const DEFAULT_NEAR_CACHE_MAX_BYTES = DEFAULTS.nearCacheMaxBytes;

/** Checks near-cache options. @throws {StrategyError} for bounds that are not positive whole numbers */
export function checkNearCacheOptions(
  what: string,
  options: NearCacheOptions,
): Readonly<Required<Pick<NearCacheOptions, 'maxEntries' | 'maxBytes'>> & Pick<NearCacheOptions, 'ttlSeconds'>> {
  const whole = (name: string, value: number | undefined, minimum: number): void => {
    if (value !== undefined && (!Number.isInteger(value) || value < minimum))
      throw new StrategyError(`${what} near cache ${name} must be a whole number >= ${minimum}, got ${value}`);
  };
  whole('maxEntries', options.maxEntries, 1);
  whole('maxBytes', options.maxBytes, 1024);
  if (options.ttlSeconds !== undefined) checkTtlSeconds(`${what} near cache ttlSeconds`, options.ttlSeconds, 1);
  return Object.freeze({
    maxEntries: options.maxEntries,
    maxBytes: options.maxBytes ?? DEFAULT_NEAR_CACHE_MAX_BYTES,
    ...(options.ttlSeconds !== undefined && { ttlSeconds: options.ttlSeconds }),
  });
}

/**
 * Estimated bytes of one entry: two bytes per character of the stored entry and of the key,
 * plus a fixed overhead for the entry's objects. The decoded value of a 500-byte entity takes
 * about the same heap as the entry's string (`npm run bench`, near-cache memory).
 */
export function estimateEntryBytes(key: string, raw: string): number {
  return 2 * (raw.length + key.length) + 160;
}

/** A read's claim to fill one key: valid until an invalidation of the key or a flush cancels it. */
export class FillTicket {
  constructor(readonly key: string) {}
}

/** One entry: a copyable decoded value (`template`, copied per hit), or the stored entry (`raw`, decoded per hit). */
interface NearEntry {
  readonly template: unknown;
  readonly raw: string | null;
  readonly shape: string;
  readonly expiresAt: number;
  readonly bytes: number;
}

/** Returned by {@link NearCache.get} when it holds nothing usable for the key. */
export const NEAR_MISS: unique symbol = Symbol('near-miss');
/** Returned by {@link NearCache.get} when the near cache is not serving (tracking not trustworthy now). */
export const NEAR_OFF: unique symbol = Symbol('near-off');

/** Counters of one near cache since start. */
export interface NearCacheStats {
  entityType: string;
  entries: number;
  /** Estimated bytes held (see {@link estimateEntryBytes}). */
  bytes: number;
  hits: number;
  misses: number;
  fills: number;
  /** Fills refused because the key changed (or tracking broke) while its GET was under way. */
  cancelledFills: number;
  /** Entries dropped because Redis, or a write in this process, said their key changed. */
  invalidations: number;
  /** Entries dropped by the bounds (entries, bytes). */
  evictions: number;
  /** Reads that found an entry, waited for the invalidation fence, and found it dropped (then went to Redis). */
  fencedMisses: number;
}

/**
 * One strategy's in-process cache of decoded entries (lru-cache, bounded by entries and
 * estimated bytes). It never decides freshness itself: its group (`near-cache-group.ts`) turns
 * it off and flushes it whenever tracking is not trustworthy, and drops keys as Redis and this
 * process's writes report changes. A value is handed out as a copy (`value-copy.ts`), or
 * decoded again from the stored entry when it holds instances only the serializer can rebuild.
 *
 * The fill race: a GET's reply travels on the data connection and an invalidation on the
 * subscriber connection, so an invalidation of a change made after the GET was served can
 * arrive before the GET's reply. A read therefore takes a {@link FillTicket} before its GET is
 * sent; an invalidation or a flush cancels the ticket, and a cancelled ticket fills nothing.
 */
export class NearCache {
  private readonly entries: LRUCache<string, NearEntry>;
  private readonly tickets = new Map<string, FillTicket>();
  private readonly counters = {
    hits: 0,
    misses: 0,
    fills: 0,
    cancelledFills: 0,
    invalidations: 0,
    evictions: 0,
    fencedMisses: 0,
  };
  private readonly ttlMs: number;

  /**
   * @param serializer decodes the entries kept as strings
   * @param isServing whether the group trusts tracking at `performance.now()` time `now` (asked on every lookup)
   * @param fence what a hit waits for before it is served ({@link fenceFor}); null: hits are served at once
   * @throws {StrategyError} for bounds that are not positive whole numbers
   */
  constructor(
    readonly entityType: string,
    options: NearCacheOptions,
    private readonly serializer: Serializer,
    private readonly isServing: (now: number) => boolean,
    private readonly fence: InvalidationFence | null = null,
  ) {
    const checked = checkNearCacheOptions(entityType, options);
    this.ttlMs = checked.ttlSeconds === undefined ? Number.POSITIVE_INFINITY : checked.ttlSeconds * 1000;
    this.entries = new LRUCache<string, NearEntry>({
      max: checked.maxEntries,
      maxSize: checked.maxBytes,
      sizeCalculation: (entry) => entry.bytes,
      dispose: (_entry, _key, reason) => {
        if (reason === 'evict') this.counters.evictions += 1;
      },
    });
  }

  /** True when lookups may be answered. */
  get serving(): boolean {
    return this.isServing(performance.now());
  }

  /**
   * What a read of `key` must wait for before it asks {@link get}: the invalidation fence
   * (`invalidation-fence.ts`) when this cache has one and holds an entry it would serve; null when
   * {@link get} may be asked at once (no fence, or the answer is a miss or off: those go to Redis).
   * The entry may be dropped while the read waits: {@link get} then answers a miss.
   */
  fenceFor(key: string, shape: EntryShape): Promise<void> | null {
    if (this.fence === null) return null;
    const now = performance.now();
    if (!this.isServing(now)) return null;
    const entry = this.entries.peek(key);
    if (entry === undefined || entry.shape !== shape.kind || entry.expiresAt <= now) return null;
    return this.fence.wait();
  }

  /**
   * A value of `key` for a read of `shape` that no other read shares; {@link NEAR_MISS} when
   * there is none; {@link NEAR_OFF} when the near cache is not serving (then no fill either).
   * @param fenced true after the read waited for {@link fenceFor} (a miss then counts as a fenced miss)
   */
  get(key: string, shape: EntryShape, fenced = false): unknown {
    const now = performance.now();
    if (!this.isServing(now)) return NEAR_OFF;
    const entry = this.entries.get(key);
    if (entry === undefined || entry.shape !== shape.kind) {
      this.counters.misses += 1;
      if (fenced) this.counters.fencedMisses += 1;
      return NEAR_MISS;
    }
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      this.counters.misses += 1;
      return NEAR_MISS;
    }
    this.counters.hits += 1;
    return entry.raw === null ? copyValue(entry.template) : decodeEntry(key, entry.raw, this.serializer, shape);
  }

  /** Claims `key` before its GET is sent (after a {@link get} that did not answer {@link NEAR_OFF}). */
  beginFill(key: string): FillTicket {
    const ticket = new FillTicket(key);
    this.tickets.set(key, ticket);
    return ticket;
  }

  /**
   * Fills the ticket's key unless the ticket was cancelled meanwhile.
   * @param template the decoded value when it is copyable (kept, never handed out), else null
   * @param raw the stored entry, kept when there is no template (decoded again on each hit)
   * @param ttlSeconds the key's Redis TTL for this value (the entry lives no longer)
   * @returns true when filled
   */
  fill(
    ticket: FillTicket,
    template: unknown,
    copyable: boolean,
    raw: string,
    shape: string,
    ttlSeconds: number,
  ): boolean {
    const { key } = ticket;
    if (this.tickets.get(key) !== ticket) {
      this.counters.cancelledFills += 1;
      return false;
    }
    this.tickets.delete(key);
    if (ttlSeconds <= 0) return false;
    const ttlMs = Math.min(this.ttlMs, ttlSeconds * 1000);
    this.entries.set(key, {
      template: copyable ? template : null,
      raw: copyable ? null : raw,
      shape,
      expiresAt: performance.now() + ttlMs,
      bytes: estimateEntryBytes(key, raw),
    });
    // lru-cache keeps nothing larger than maxBytes (it drops the key instead): that is no fill.
    if (!this.entries.has(key)) return false;
    this.counters.fills += 1;
    return true;
  }

  /** Gives a ticket up without filling (the read found no entry). */
  release(ticket: FillTicket): void {
    if (this.tickets.get(ticket.key) === ticket) this.tickets.delete(ticket.key);
  }

  /** Drops `key` and cancels a fill of it under way. */
  drop(key: string): void {
    this.tickets.delete(key);
    if (this.entries.delete(key)) this.counters.invalidations += 1;
  }

  /** Drops every entry and cancels every fill under way. */
  clear(): void {
    this.tickets.clear();
    this.counters.invalidations += this.entries.size;
    this.entries.clear();
  }

  stats(): NearCacheStats {
    return {
      entityType: this.entityType,
      entries: this.entries.size,
      bytes: this.entries.calculatedSize,
      ...this.counters,
    };
  }
}
