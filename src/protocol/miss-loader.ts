import type { CacheService, StoreOutcome } from './cache-service';
import type { EntityCacheStats } from '../observability/cache-stats';
import { decodeEntry, encodeEntry, REJECTED, type EntryShape } from './entry-codec';
import type { Serializer } from '../repository/serializer';
import { copyValue, isCopyable } from './value-copy';
import { waitForOtherLoad } from './lease-wait';
import type { SharedRead } from '../redis/read-batcher';

/** `reread`: not loaded here; another reader's entry, read again after waiting for its lease (`lease-wait.ts`). */
export type Outcome = StoreOutcome | 'no-lease' | 'not-stored' | 'reread';

/**
 * What one load did. `stored` settles when the store under its lease is done; until then (and
 * after) the value is available to readers that joined the load, as copies of `template` or
 * decoded again from `raw`, so that nobody shares the object the load's own caller got.
 */
export interface Loaded<V> {
  value: V;
  stored: Promise<Outcome>;
  /** A copy of the value taken before its caller got it (when copyable). */
  template: unknown;
  copyable: boolean;
  /** The entry written, when there is one. */
  raw: string | null;
  /**
   * When (`performance.now()`) the load or the read that produced `value` was started: it reflects every write that
   * completed before then, so a reader that joined earlier may take it whatever `stored` says.
   */
  freshFrom: number;
  /**
   * The load that joined readers share when this one's store did not succeed (`CacheAsideReader`); it starts once
   * `stored` settled, after joining closed, so after every reader that shares it began.
   */
  reload?: Promise<V>;
}

const REREAD: Promise<Outcome> = Promise.resolve('reread');

/**
 * A cache miss: the key, the corrupt value found there, if any, which the lease may replace, and whether the key was
 * empty (no value, no lease).
 */
export interface Miss {
  key: string;
  rejected: string | undefined;
  empty: boolean;
  /** The read that found the miss: it holds the lease it placed in the empty key, if any (`SET NX GET`). */
  read: SharedRead | null;
}

/**
 * The lease the miss's read placed in the key, for the one reader that loads it (readers sharing the read take it
 * once); null when it placed none or another reader took it.
 */
export function takeLease(miss: Miss): string | null {
  const read = miss.read;
  if (read === null || read.lease === null) return null;
  const token = read.lease;
  read.lease = null;
  return token;
}

/**
 * The miss half of a cache-aside read (REDIS_CACHE.md, section 4): place a lease on the empty (or
 * corrupt) key, unless the read already did, load, and store only while the lease is still in the key;
 * a reader that finds another reader's lease waits for its entry first (`lease-wait.ts`). Apart from the lookup half
 * (`cache-aside-reader.ts`) so that each file keeps one job; the single-flight that decides who
 * loads stays with the reader.
 */
export class MissLoader {
  constructor(
    private readonly cache: CacheService,
    private readonly serializer: Serializer,
    private readonly stats: EntityCacheStats,
  ) {}

  /**
   * Lease, load, store. `close` ends the joining of this load before the store is sent: a
   * store's success proves nothing about a write whose invalidation came after it, so a read that
   * began after the store was sent must not accept this value. Joining stays open while this reader waits for another
   * reader's lease and while it loads: a reader that joined takes the value when the store succeeded, or when the read
   * or load that produced it was sent after the joiner began (`freshFrom`).
   */
  async loadAndStore<V>(
    miss: Miss,
    shape: EntryShape,
    ttlFor: (value: V) => number,
    load: () => Promise<V>,
    close: () => void,
    skipLoad: () => void,
  ): Promise<Loaded<V>> {
    // Placed by the read itself when it found the key empty (one round trip); otherwise placed now.
    let token = takeLease(miss) ?? (await this.cache.acquireLease(miss.key, miss.rejected, this.stats, miss.empty));
    if (token === null && this.cache.leaseWaitMs > 0) {
      // Another reader holds the key: wait for its entry.
      const waited = await waitForOtherLoad(this.cache, miss.key, this.cache.leaseWaitMs, this.stats);
      const value = waited.found ? decodeEntry(miss.key, waited.raw, this.serializer, shape) : REJECTED;
      if (waited.found && value !== REJECTED) {
        close();
        skipLoad();
        const raw = waited.raw;
        return { value: value as V, stored: REREAD, template: null, copyable: false, raw, freshFrom: waited.sentAt };
      }
      // The other load gave up or a write removed its lease: place one, so that this load is stored and the next
      // readers hit (without it, every reader that waited here loaded and nobody stored). The lease and the load that
      // follows both begin after this reader did.
      if (!waited.found && waited.empty) token = await this.cache.acquireLease(miss.key, undefined, this.stats, true);
    }
    const freshFrom = performance.now();
    const value = await this.loadReleasing([miss], [token], load);
    close();
    const loaded = { value, freshFrom, ...this.store(miss.key, token, value, ttlFor(value)) };
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
   * need: a copy of the value taken now, or the encoded entry (none when nothing is stored and the value cannot be
   * copied: joiners then load).
   */
  private store(
    key: string,
    token: string | null,
    value: unknown,
    ttlSeconds: number,
  ): Omit<Loaded<unknown>, 'value' | 'reload' | 'freshFrom'> {
    // Readers that joined may take the value even when it is not stored (`Loaded.freshFrom`): they get copies.
    const copyable = isCopyable(value);
    const none = { template: copyable ? copyValue(value) : null, copyable, raw: null };
    if (token === null) return { ...none, stored: Promise.resolve('no-lease') };
    if (ttlSeconds <= 0) return { ...none, stored: this.release(key, token).then(() => 'not-stored') };
    const raw = encodeEntry(key, value, this.serializer);
    if (!this.cache.fits(raw)) {
      this.stats.oversized += 1;
      return { ...none, stored: this.release(key, token).then(() => 'oversized') };
    }
    const stored = this.cache.storeLeased(key, token, raw, ttlSeconds, this.stats);
    return { stored, copyable, template: none.template, raw };
  }

  private release(key: string, token: string | null): Promise<void> {
    return token === null ? Promise.resolve() : this.cache.releaseLease(key, token, this.stats);
  }
}

/**
 * The value for a reader that joined `loaded` when its store did not prove it fresh (no lease, lease lost): one load
 * shared by the readers of that flight instead of one each (a hot key's joiners were most of the database's reads
 * under YCSB B in four processes). It is started after `stored` settled, so after every one of them began: as fresh
 * for each as its own load. Each gets a copy; a value that cannot be copied is loaded again by all but the first.
 */
export async function reloadShared<V>(loaded: Loaded<V>, load: () => Promise<V>): Promise<V> {
  const first = loaded.reload === undefined;
  const shared = (loaded.reload ??= load());
  const value = await shared;
  if (isCopyable(value)) return copyValue(value) as V;
  return first ? value : load();
}
