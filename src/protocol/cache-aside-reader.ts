import type { CacheService, StoreOutcome } from './cache-service';
import type { EntityCacheStats } from '../observability/cache-stats';
import {
  decodeEntry,
  encodeEntry,
  hasShape,
  parseEntry,
  REJECTED,
  type EntityCheck,
  type EntryShape,
} from './entry-codec';
import { isLease } from './lease';
import { NEAR_MISS, NEAR_OFF, type FillTicket, type NearCache } from '../near-cache/near-cache';
import { NOT_DECODED, type SharedRead } from '../redis/read-batcher';
import { WRONG_TYPE } from '../redis/redis-gateway';
import type { Serializer } from '../repository/serializer';
import { copyValue, isCopyable } from './value-copy';
import { BatchLoader } from './batch-loader';
import { waitForOtherLoad } from './lease-wait';
import { distinctIdsOf, type IdCodec } from '../repository/id-codec';
import type { ReadReport } from './read-report';

/** `reread`: not loaded here; another reader's entry, read again after waiting for its lease (`lease-wait.ts`). */
type Outcome = StoreOutcome | 'no-lease' | 'not-stored' | 'reread';

/**
 * What one load did. `stored` settles when the store under its lease is done; until then (and
 * after) the value is available to readers that joined the load, as copies of `template` or
 * decoded again from `raw`, so that nobody shares the object the load's own caller got.
 */
interface Loaded<V> {
  value: V;
  stored: Promise<Outcome>;
  /** A copy of the value taken before its caller got it (when copyable). */
  template: unknown;
  copyable: boolean;
  /** The entry written, when there is one. */
  raw: string | null;
}

/**
 * A cache miss: the key, the corrupt value found there, if any, which the lease may replace, and whether the key was
 * empty (no value, no lease).
 */
interface Miss {
  key: string;
  rejected: string | undefined;
  empty: boolean;
}

/** A miss found by a lookup: what to load, and whether Redis could be asked at all. */
interface Missed {
  hit: false;
  miss: Miss;
  shape: EntryShape;
  unavailable: boolean;
}

/** A near-cache miss, with the fill ticket the Redis read takes (null when there is no near cache to fill). */
interface NearMiss {
  hit: false;
  ticket: FillTicket | null;
}

/** What a lookup found: a hit's value, or the miss. */
type Lookup<V> = { hit: true; value: V } | Missed;

/**
 * Cache-aside reads for one entity type, with the consistency rules of REDIS_CACHE.md:
 * - with a near cache: a hit there is a copy of an entry Redis has not reported changed;
 * - a Redis hit is one GET (or a share of one MGET with the reads of the same tick); readers
 *   of one key in a batch decode it once and each get their own copy;
 * - a miss places a lease, loads, and stores only while the lease is still in the key; its
 *   caller gets the value as soon as it is loaded, the store finishing behind it; concurrent
 *   misses of one key in this process share one load and accept it only once it is stored.
 */
export class CacheAsideReader {
  /**
   * @param nearCache the strategy's near cache (`CacheService.nearCacheFor`), or null for none
   */
  constructor(
    private readonly cache: CacheService,
    private readonly serializer: Serializer,
    private readonly stats: EntityCacheStats,
    private readonly nearCache: NearCache | null = null,
  ) {}

  /**
   * The cached value of `key`, or `load()`'s result, stored for `ttlFor(value)` seconds
   * (0: not stored). A cached value that is not a valid entry of `key` with `shape` is a
   * corrupt entry: counted, and replaced like a miss. Every call returns its own object: a
   * caller that mutates it changes no other read's result.
   */
  async read<V>(key: string, shape: EntryShape, ttlFor: (value: V) => number, load: () => Promise<V>): Promise<V> {
    // The near cache is asked synchronously: a near hit costs no await beyond this function's own.
    const near = this.nearLookup<V>(key, shape);
    if (near.hit) return near.value;
    const found = await this.redisLookup(key, shape, ttlFor, near.ticket);
    return found.hit ? found.value : this.loadMiss(found, ttlFor, load);
  }

  /**
   * {@link read}, telling `report` where the value came from and how its store ended, for the hooks that watch reads
   * (the consistency auditor, tracing). A separate method, so that a read nobody watches pays nothing for it.
   */
  async readReporting<V>(
    key: string,
    shape: EntryShape,
    ttlFor: (value: V) => number,
    load: () => Promise<V>,
    report: ReadReport,
  ): Promise<V> {
    const near = this.nearLookup<V>(key, shape);
    if (near.hit) return ((report.served = 'near'), near.value);
    const found = await this.redisLookup(key, shape, ttlFor, near.ticket);
    if (found.hit) return ((report.served = 'redis'), found.value);
    return this.loadMiss(found, ttlFor, load, undefined, report);
  }

  /**
   * Entities for `ids` in order (absent and repeated ids left out), by the same path as
   * {@link read} for each id: near-cache hits, then Redis (the GETs of one tick are one MGET),
   * then a lease and a shared load per miss; the loads this call starts are one `loadMany` call
   * (`batch-loader.ts`), and a miss that joins another caller's load of the same key waits for it.
   */
  async readMany<Id, E extends { id: Id }>(
    ids: readonly Id[],
    entity: EntityCheck & { readonly ids: IdCodec<Id> },
    keyOf: (id: Id) => string,
    ttlFor: (value: E | null) => number,
    loadMany: (ids: Id[]) => Promise<E[]>,
  ): Promise<E[]> {
    const unique = distinctIdsOf(entity.ids, ids);
    const found = await Promise.all(unique.map((id) => this.lookup(keyOf(id), { kind: 'entity', id, entity }, ttlFor)));
    const batch = new BatchLoader<Id, E>(loadMany, (id) => entity.ids.text(id));
    // Synchronous up to each miss's single-flight decision, so the batch knows every load it will carry.
    const values: Promise<E | null>[] = found.map((entry, index) =>
      entry.hit
        ? Promise.resolve(entry.value)
        : this.loadMiss(entry, ttlFor, () => batch.load(unique[index] as Id), batch),
    );
    batch.seal();
    // Each id once, at its first position, as the base repositories answer.
    // All settled (or the first failure thrown) before they are read one by one below.
    await Promise.all(values);
    const entities: E[] = [];
    for (const value of values) {
      const entity = await value;
      if (entity !== null) entities.push(entity);
    }
    return entities;
  }

  /** The near cache for one key: a hit's copy, or the fill ticket a Redis read of the key takes. */
  private nearLookup<V>(key: string, shape: EntryShape): { hit: true; value: V } | NearMiss {
    const near = this.nearCache;
    if (near === null) return { hit: false, ticket: null };
    const hit = near.get(key, shape);
    if (hit === NEAR_OFF) return { hit: false, ticket: null };
    if (hit !== NEAR_MISS && hit !== REJECTED) {
      this.stats.hits += 1;
      return { hit: true, value: hit as V };
    }
    return { hit: false, ticket: near.beginFill(key) };
  }

  /**
   * The near cache, then Redis, for one key: a hit's value for this reader, or the miss to load
   * (with the corrupt value found there, if any, which the lease may replace).
   */
  private async lookup<V>(key: string, shape: EntryShape, ttlFor: (value: V) => number): Promise<Lookup<V>> {
    const near = this.nearLookup<V>(key, shape);
    return near.hit ? near : this.redisLookup(key, shape, ttlFor, near.ticket);
  }

  /** Redis for one key, after a near-cache miss that took `ticket` (null: none). */
  private async redisLookup<V>(
    key: string,
    shape: EntryShape,
    ttlFor: (value: V) => number,
    ticket: FillTicket | null,
  ): Promise<Lookup<V>> {
    const near = this.nearCache;
    const read = await this.cache.readShared(key, this.stats, ticket !== null);
    const reply = read.reply;
    let rejected: string | undefined;
    if (typeof reply === 'string' && !isLease(reply)) {
      const value = this.accept(read, key, reply, shape, ticket, ttlFor as (value: unknown) => number);
      if (value !== REJECTED) {
        this.stats.hits += 1;
        return { hit: true, value: value as V };
      }
      this.stats.corruptEntries += 1;
      rejected = reply;
    } else {
      if (ticket !== null) near?.release(ticket);
      if (reply === WRONG_TYPE) this.stats.corruptEntries += 1;
    }
    this.stats.misses += 1;
    // Without Redis nothing can be stored, so nothing proves a shared load fresh: load alone.
    const unavailable = typeof reply === 'symbol' && reply !== WRONG_TYPE;
    return { hit: false, miss: { key, rejected, empty: reply === null }, shape, unavailable };
  }

  /**
   * Loads a miss through single-flight: a new load places a lease, loads and stores; a read that
   * joins a load under way accepts its value only once that load's store succeeded.
   * @param batch the multi-key read's batch, told synchronously when this read starts a load
   * @param report told what this read did (see {@link readReporting})
   */
  private async loadMiss<V>(
    found: Missed,
    ttlFor: (value: V) => number,
    load: () => Promise<V>,
    batch?: { expect(): void; skip(): void },
    report?: ReadReport,
  ): Promise<V> {
    if (report) report.served = 'loaded';
    if (found.unavailable) return load();
    const { miss, shape } = found;
    const flight = await this.cache.flights.run(miss.key, (close) => {
      batch?.expect();
      return this.loadAndStore(miss, shape, ttlFor, load, close, () => batch?.skip());
    });
    if (!flight.joined) {
      if (report) report.stored = flight.value.stored;
      return flight.value.value as V;
    }
    // A joined load began before this read, and this read joined it before its store was sent,
    // so the store ran in Redis after this read began. Only that store's success under its lease
    // proves that no write completed in between (REDIS_CACHE.md, section 4); otherwise load again.
    const loaded = flight.value;
    const outcome = await loaded.stored;
    // `reread`: that entry was read after this read began (the load closed joining before re-reading).
    if (outcome !== 'stored' && outcome !== 'reread') return load();
    const value = loaded.copyable
      ? copyValue(loaded.template)
      : decodeEntry(miss.key, loaded.raw as string, this.serializer, shape);
    if (value === REJECTED) return load();
    if (report) report.served = 'joined';
    return value as V;
  }

  /**
   * The value of a Redis hit for one reader, or {@link REJECTED}: decoded once per shared
   * read, put in the near cache when the reader's ticket is still valid, and handed out so that
   * no two readers (and not the near cache) share an object.
   */
  private accept(
    read: SharedRead,
    key: string,
    raw: string,
    shape: EntryShape,
    ticket: FillTicket | null,
    ttlFor: (value: unknown) => number,
  ): unknown {
    if (read.decoded === NOT_DECODED || read.decodedWith !== this.serializer) {
      read.decoded = parseEntry(key, raw, this.serializer);
      read.decodedWith = this.serializer;
      // Only a value that someone else keeps or shares needs copying.
      read.copyable = read.decoded !== REJECTED && (ticket !== null || read.readers > 1) && isCopyable(read.decoded);
    }
    const value = read.decoded;
    if (value === REJECTED || !hasShape(value, shape)) return REJECTED;
    if (ticket === null && read.readers === 1) return value;
    // The near cache keeps a copyable value itself as its template: then no reader gets it.
    if (
      ticket !== null &&
      (this.nearCache as NearCache).fill(ticket, value, read.copyable, raw, shape.kind, ttlFor(value)) &&
      read.copyable
    )
      read.retained = true;
    read.handedOut += 1;
    // The last reader may take the decoded value itself, unless the near cache keeps it.
    if (read.copyable) return read.retained || read.handedOut < read.readers ? copyValue(value) : value;
    // Not copyable: the first reader gets the decoded value, the others decode their own.
    return read.handedOut === 1 ? value : decodeEntry(key, raw, this.serializer, shape);
  }

  /**
   * Lease, load, store. `close` ends the joining of this load before the store is sent: a
   * store's success proves nothing about a write whose invalidation came after it, so a read that
   * began after the store was sent must not accept this value.
   */
  private async loadAndStore<V>(
    miss: Miss,
    shape: EntryShape,
    ttlFor: (value: V) => number,
    load: () => Promise<V>,
    close: () => void,
    skipLoad: () => void,
  ): Promise<Loaded<V>> {
    const token = await this.cache.acquireLease(miss.key, miss.rejected, this.stats, miss.empty);
    if (token === null && this.cache.leaseWaitMs > 0) {
      // Another reader holds the key: wait for its entry. Readers that join from now on begin
      // after the re-reads below and must not take their answer, so joining ends here.
      close();
      const waited = await waitForOtherLoad(this.cache, miss.key, this.cache.leaseWaitMs, this.stats);
      const value = waited.found ? decodeEntry(miss.key, waited.raw, this.serializer, shape) : REJECTED;
      if (waited.found && value !== REJECTED) {
        skipLoad();
        return {
          value: value as V,
          stored: Promise.resolve('reread'),
          template: null,
          copyable: false,
          raw: waited.raw,
        };
      }
    }
    const value = await this.loadReleasing([miss], [token], load);
    close();
    const loaded = { value, ...this.store(miss.key, token, value, ttlFor(value)) };
    // Only a store runs behind the caller; a lease given back is awaited, so that the next
    // read of the key does not find it.
    if (loaded.raw === null) await loaded.stored;
    return loaded;
  }

  /** Runs a load; when it fails, gives its leases back so other readers need not wait for their TTL. */
  private async loadReleasing<V>(
    misses: readonly Miss[],
    tokens: readonly (string | null)[],
    load: () => Promise<V>,
  ): Promise<V> {
    try {
      return await load();
    } catch (error) {
      await Promise.all(misses.map((miss, index) => this.release(miss.key, tokens[index] ?? null)));
      throw error;
    }
  }

  /**
   * Sends the store under the lease at once (so it precedes any later command of this process
   * on the connection) and returns without waiting for it, with what readers joining the load
   * need: a copy of the value taken now, or the encoded entry.
   */
  private store(key: string, token: string | null, value: unknown, ttlSeconds: number): Omit<Loaded<unknown>, 'value'> {
    const none = { template: null, copyable: false, raw: null };
    if (token === null) return { ...none, stored: Promise.resolve('no-lease') };
    if (ttlSeconds <= 0) return { ...none, stored: this.release(key, token).then(() => 'not-stored') };
    const raw = encodeEntry(key, value, this.serializer);
    if (!this.cache.fits(raw)) {
      this.stats.oversized += 1;
      return { ...none, stored: this.release(key, token).then(() => 'oversized') };
    }
    const stored = this.cache.storeLeased(key, token, raw, ttlSeconds, this.stats);
    const copyable = isCopyable(value);
    return { stored, copyable, template: copyable ? copyValue(value) : null, raw };
  }

  private release(key: string, token: string | null): Promise<void> {
    return token === null ? Promise.resolve() : this.cache.releaseLease(key, token, this.stats);
  }
}
