import type { CacheService } from './cache-service';
import type { EntityCacheStats } from '../observability/cache-stats';
import { decodeEntry, hasShape, parseEntry, REJECTED, type EntityCheck, type EntryShape } from './entry-codec';
import { isLease, newLeaseToken } from './lease';
import { NEAR_MISS, NEAR_OFF, type FillTicket, type NearCache } from '../near-cache/near-cache';
import { NOT_DECODED, type SharedRead } from '../redis/read-batcher';
import { WRONG_TYPE } from '../redis/redis-gateway';
import type { Serializer } from '../repository/serializer';
import { copyValue, isCopyable } from './value-copy';
import { MissLoader, reloadShared, takeLease, type Miss } from './miss-loader';
import { BatchLoader } from './batch-loader';
import { distinctIdsOf, type IdCodec } from '../repository/id-codec';
import type { ReadReport } from './read-report';

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

/** What the near cache answered for one key. */
type NearLookup<V> = { hit: true; value: V } | NearMiss;

/** What a lookup found: a hit's value, or the miss. */
type Lookup<V> = { hit: true; value: V } | Missed;

/** Weight of the latest Redis lookup in {@link CacheAsideReader}'s miss share: an average over about 16 lookups. */
const MISS_WEIGHT = 1 / 16;
/**
 * Miss share from which a Redis lookup also places the lease (`SET NX GET`): that saves a miss one round trip but costs
 * a hit about 3 us more than a GET (17 vs 14 us on Redis 7.0.15), so it pays once about one lookup in five misses;
 * measured through repositories (SQLite), a hit in that mode cost up to 7 us more and the gain at one miss in four was
 * nil, so it waits for one in two.
 */
const LEASE_ON_READ_AT = 0.5;

/**
 * Cache-aside reads for one entity type, with the consistency rules of REDIS_CACHE.md:
 * - with a near cache: a hit there is a copy of an entry Redis has not reported changed;
 * - a Redis hit is one GET (a SET NX GET in the mode below, or a share of one MGET with the reads
 *   of the same tick); readers of one key in a batch decode it once and each get their own copy;
 * - a miss places a lease (in the read's own round trip, `SET NX GET`, while this reader's lookups
 *   miss half the time or more, even beside other reads of its tick), loads, and stores only while the lease is
 *   still in the key; its caller gets the value as soon as it is loaded, the store finishing behind it; concurrent
 *   misses of one key in this process share one load and accept it once it is stored (at once when it began after
 *   they did).
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
  ) {
    this.misses = new MissLoader(cache, serializer, stats);
  }

  /** The lease, load and store of a miss. */
  private readonly misses: MissLoader;
  /** Share of this reader's recent Redis lookups that missed (weighted by {@link MISS_WEIGHT}). */
  private missShare = 0;

  /**
   * The cached value of `key`, or `load()`'s result, stored for `ttlFor(value)` seconds
   * (0: not stored). A cached value that is not a valid entry of `key` with `shape` is a
   * corrupt entry: counted, and replaced like a miss. Every call returns its own object: a
   * caller that mutates it changes no other read's result.
   */
  async read<V>(key: string, shape: EntryShape, ttlFor: (value: V) => number, load: () => Promise<V>): Promise<V> {
    // A near hit waits for the invalidation fence when there is one, else costs no await beyond this function's own.
    const lookup = this.nearLookup<V>(key, shape);
    const near = lookup instanceof Promise ? await lookup : lookup;
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
    const lookup = this.nearLookup<V>(key, shape);
    const near = lookup instanceof Promise ? await lookup : lookup;
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

  /**
   * The near cache for one key: a hit's copy, or the fill ticket a Redis read of the key takes; a promise of either
   * when the near cache holds the key and has an invalidation fence (`NearCache.fenceFor`), answered after it.
   */
  private nearLookup<V>(key: string, shape: EntryShape): NearLookup<V> | Promise<NearLookup<V>> {
    const near = this.nearCache;
    if (near === null) return { hit: false, ticket: null };
    const fence = near.fenceFor(key, shape);
    if (fence === null) return this.nearAnswer(near, key, near.get(key, shape));
    return fence.then(() => this.nearAnswer<V>(near, key, near.get(key, shape, true)));
  }

  /** A near-cache answer (`NearCache.get`) as a hit, or a miss with the fill ticket its Redis read takes. */
  private nearAnswer<V>(near: NearCache, key: string, hit: unknown): NearLookup<V> {
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
    const lookup = this.nearLookup<V>(key, shape);
    const near = lookup instanceof Promise ? await lookup : lookup;
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
    // While misses are common, the read places the lease too (not when it fills a near cache: that needs a GET).
    const lease = ticket === null && this.missShare >= LEASE_ON_READ_AT ? newLeaseToken() : undefined;
    const read = await this.cache.readShared(key, this.stats, ticket !== null, lease);
    const reply = read.reply;
    let rejected: string | undefined;
    if (typeof reply === 'string' && !isLease(reply)) {
      const value = this.accept(read, key, reply, shape, ticket, ttlFor as (value: unknown) => number);
      if (value !== REJECTED) {
        this.stats.hits += 1;
        this.missShare -= this.missShare * MISS_WEIGHT;
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
    if (!unavailable) this.missShare += (1 - this.missShare) * MISS_WEIGHT;
    return { hit: false, miss: { key, rejected, empty: reply === null, read }, shape, unavailable };
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
    retry?: { began: number },
  ): Promise<V> {
    if (report) report.served = 'loaded';
    if (found.unavailable) return load();
    const { miss, shape } = found;
    // No later than this read began: a joined load or read started after it reflects every write before it.
    const began = retry?.began ?? performance.now();
    const flight = await this.cache.flights.run(miss.key, (close) => {
      batch?.expect();
      return this.misses.loadAndStore(miss, shape, ttlFor, load, close, () => batch?.skip());
    });
    if (!flight.joined) {
      if (report) report.stored = flight.value.stored;
      return flight.value.value as V;
    }
    // A lease this read placed belongs to no load: give it back, so that it keeps no reader from storing.
    const orphan = takeLease(miss);
    if (orphan !== null) void this.cache.releaseLease(miss.key, orphan, this.stats);
    // This read joined the load before its store was sent, so the store ran in Redis after this read began. A load (or
    // re-read) that began after this read did is fresh for it: taken at once, the store's reply not awaited. When the
    // load began before this read, only that store's success under its lease proves that no write completed in
    // between (REDIS_CACHE.md, section 4); otherwise load again.
    const loaded = flight.value;
    if (!(began < loaded.freshFrom) && (await loaded.stored) !== 'stored') {
      if (retry) return reloadShared(loaded, load);
      // Once more, for the readers of that load together (their reads of one tick are one GET, their misses one new
      // load): an entry stored meanwhile, or a leased load that is stored, so that the next readers hit (a load
      // without a lease would leave the key empty for them). Both begin after every one of these readers did.
      const again = await this.redisLookup<V>(miss.key, shape, ttlFor, null);
      if (!again.hit) return this.loadMiss(again, ttlFor, load, undefined, report, { began });
      if (report) report.served = 'redis';
      return again.value;
    }
    if (!loaded.copyable && loaded.raw === null) return reloadShared(loaded, load);
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
}
