import type { Cluster, Redis } from 'ioredis';
import { createDefaultLogger, redactingLogger, type CacheLogger } from '../observability/cache-logger';
import { SecretRedactor } from '../observability/secret-redactor';
import type { CacheHealth, CacheRead, CacheServiceOptions, StoreOutcome } from './cache-service-types';
import { CacheStatsRegistry, type EntityCacheStats } from '../observability/cache-stats';
import { Leases } from './leases';
import { Recovery } from './recovery';
import type { NearCache, NearCacheOptions } from '../near-cache/near-cache';
import type { NearCacheGroup } from '../near-cache/near-cache-group';
import { nearCacheGroupFor } from '../near-cache/near-cache-for-store';
import { DurableWrites } from './durable-writes';
import type { OutboxDeliverer } from './outbox';
import { holdLease } from './holder-lease';
import { PendingInvalidations } from './pending-invalidations';
import { ReadBatcher, type SharedRead } from '../redis/read-batcher';
import { createStore } from '../redis/create-store';
import { RedisGateway } from '../redis/redis-gateway';
import type { Serializer } from '../repository/serializer';
import type { WriteReceipt } from '../repository/write-receipt';
import { SingleFlight } from './single-flight';
import { DEFAULTS } from '../defaults';
import { Watches } from './watches';
import { Invalidator } from './invalidator';
import { Generations } from './generations';
import * as parts from './cache-service-parts';

export type { CacheServiceOptions, CacheHealth, CacheRead, StoreOutcome } from './cache-service-types';

/**
 * The invalidation protocol on Redis: reads, leases, conditional stores and invalidations
 * (REDIS_CACHE.md, section 4). Every command goes through a {@link RedisGateway}, so none of
 * these methods throws or waits longer than the command timeout. Keys passed in are
 * unprefixed. There is no unconditional store: every entry is written under a lease.
 */
export class CacheService {
  readonly keyPrefix: string;
  readonly enabled: boolean;
  /** Milliseconds a reader waits for another reader's lease to be filled (`lease-wait.ts`). */
  readonly leaseWaitMs: number;
  readonly stats = new CacheStatsRegistry();
  /** Loads under way in this process, shared by every cached repository on this service. */
  readonly flights = new SingleFlight();
  /** True when an outbox is configured: cached repositories then record writes in it (see {@link durableWrites}). */
  readonly recordsWritesInOutbox: boolean;
  /** Which writes record an outbox row now: none of the entity types a started change capture consumer reads. */
  readonly durableWrites: DurableWrites;
  /**
   * What no line this service logs shows: the secrets its clients were created with (`createRedisClient`,
   * `createRedisCluster`: passwords and their `secrets` option), and whatever is added to it later.
   */
  readonly redactor = new SecretRedactor();
  private readonly prefix: string;
  private readonly scanBatchSize: number;
  private readonly leases: Leases;
  private readonly recovery: Recovery;
  private readonly logger: CacheLogger;
  private readonly gateway: RedisGateway;
  private readonly pending = new PendingInvalidations();
  private readonly deliverer: OutboxDeliverer | null;
  private readonly batcher: ReadBatcher;
  private readonly near: NearCacheGroup;
  private readonly invalidator: Invalidator;
  private readonly generations: Generations;
  /** What watches cached repositories' reads and writes (the consistency auditor, tracing); idle when both are off. */
  readonly watches: Watches;

  /**
   * @param redis an ioredis client; several to spread commands over connections in turn
   *   (REDIS_MAX_CONNECTIONS); or one ioredis `Cluster` (`createRedisCluster`: REDIS_CLUSTER_NODES),
   *   on which near caches track every master in broadcast mode whatever `nearCache.trackingMode`
   *   says (`cluster/cluster-tracking.ts`); or `null` to run without a cache
   * @throws {CacheOptionsError} for an empty `keyPrefix`, or a `leaseWaitMs` or `writeReceiptTtlMs` outside 0..60000
   */
  constructor(redis: Redis | Cluster | readonly Redis[] | null, options: CacheServiceOptions = {}) {
    const clients = parts.serviceClients(redis, this.redactor);
    const settings = parts.serviceSettings(options);
    ({ keyPrefix: this.keyPrefix, scanBatchSize: this.scanBatchSize, leaseWaitMs: this.leaseWaitMs } = settings);
    this.prefix = `${this.keyPrefix}:`;
    this.logger = redactingLogger(options.logger ?? createDefaultLogger(), this.redactor);
    const store = createStore(clients);
    this.gateway = new RedisGateway(store, options.enabled ?? true, () => this.recovery.run(), {
      logger: this.logger,
      circuitBreaker: options.circuitBreaker,
    });
    this.enabled = this.gateway.enabled;
    const leaseTtl = options.leaseTtlSeconds ?? DEFAULTS.leaseTtlSeconds;
    this.leases = new Leases(this.gateway, leaseTtl, options.maxEntryBytes ?? DEFAULTS.maxEntryBytes);
    this.batcher = new ReadBatcher(this.gateway, () => this.near.mode === 'default', leaseTtl);
    this.near = nearCacheGroupFor(this.prefix, store.tracking, options.nearCache, this.enabled, this.logger);
    this.gateway.onTrustChange((trusted) => this.near.setTrusted(trusted));
    this.deliverer = parts.outboxDelivererFor(options, this.gateway, this.prefix, this.logger);
    const { gateway, prefix, scanBatchSize, pending, deliverer, logger } = this;
    this.recovery = new Recovery(gateway, prefix, scanBatchSize, pending, deliverer, logger);
    this.recordsWritesInOutbox = this.enabled && this.deliverer !== null;
    this.durableWrites = new DurableWrites(this.recordsWritesInOutbox);
    this.watches = new Watches(
      options,
      { read: (key) => this.read(key), invalidate: (keys, stats) => this.invalidate(keys, stats), logger: this.logger },
      this.enabled,
    );
    const { enabled, flights, near, watches } = this;
    const [fullKey, receiptTtlMs] = [(key: string): string => this.fullKey(key), settings.writeReceiptTtlMs];
    this.invalidator = new Invalidator({
      ...{ enabled, gateway, flights, pending, near, watches },
      scanBatchSize,
      fullKey,
      receiptTtlMs,
    });
    this.generations = new Generations(this.gateway);
    this.deliverer?.start();
  }

  /** The key as stored in Redis. */
  fullKey(key: string): string {
    return this.prefix + key;
  }

  /**
   * Reads one key: one GET, or part of one MGET when other reads are asked for in the same
   * tick (`read-batcher.ts`). Another reader's lease reads as empty.
   */
  async read(key: string, stats?: EntityCacheStats): Promise<CacheRead> {
    return parts.classifyRead((await this.batcher.read(this.fullKey(key), stats)).reply);
  }

  /**
   * Reads many keys with one MGET, shared with the other reads of this tick (a key of another Redis type reads as empty
   * there).
   */
  async readMany(keys: readonly string[], stats?: EntityCacheStats): Promise<CacheRead[]> {
    const reads = await Promise.all(keys.map((key) => this.readShared(key, stats)));
    return reads.map((read) => parts.classifyRead(read.reply));
  }

  /**
   * Like {@link read}, for `CacheAsideReader`: the reply as shared with the other reads of the
   * same key in the batch, so that it is decoded once. `fillsNearCache`: the reply may fill a
   * near cache, so Redis must track the key for this process. `lease`: a token (`newLeaseToken`) the read places if
   * the key is empty, in the same round trip when it is sent alone (`SharedRead.lease`, `read-batcher.ts`).
   */
  readShared(key: string, stats?: EntityCacheStats, fillsNearCache = false, lease?: string): Promise<SharedRead> {
    return this.batcher.read(this.fullKey(key), stats, fillsNearCache, lease);
  }

  /**
   * The near cache of `entityType` on this service (created on first use with `options`; later
   * calls share it), which starts client tracking. CachedRepository calls it for strategies
   * with a `nearCache`.
   * @returns null when near caches are disabled, Redis is off, or the connections are already
   *   tracked for another set of connections
   * @throws {StrategyError} for bounds that are not positive whole numbers
   */
  nearCacheFor(entityType: string, options: NearCacheOptions, serializer: Serializer): NearCache | null {
    return this.near.cacheFor(entityType, options, serializer);
  }

  /**
   * The current generation of the collection at `key` (unprefixed), created with a TTL of `ttlSeconds` seconds when
   * absent: one command, always sent to Redis (never answered by a near cache). Collection queries cache their pages
   * under it (`generations.ts`, REDIS_CACHE.md section 3, "Lists with arguments").
   * @returns null when Redis is unavailable or the key holds something else than a generation (load without caching)
   */
  generation(key: string, ttlSeconds: number, stats?: EntityCacheStats): Promise<string | null> {
    return this.generations.current(this.fullKey(key), ttlSeconds, stats);
  }

  /**
   * Places a lease in `key` (unprefixed) before a load (`leases.ts`).
   * @returns the lease token, or null (another reader holds the key, an entry appeared, or Redis refused)
   */
  acquireLease(
    key: string,
    rejected: string | undefined,
    stats?: EntityCacheStats,
    foundEmpty = false,
  ): Promise<string | null> {
    return this.leases.acquire(this.fullKey(key), rejected, stats, foundEmpty);
  }

  /** Stores `raw` at `key` for `ttlSeconds` seconds only while the key holds `token` (`leases.ts`). */
  storeLeased(
    key: string,
    token: string,
    raw: string,
    ttlSeconds: number,
    stats?: EntityCacheStats,
  ): Promise<StoreOutcome> {
    return this.leases.store(this.fullKey(key), token, raw, ttlSeconds, stats);
  }

  /**
   * Resolves once every store sent so far has been answered (stored, lost or failed). A miss returns its value before
   * its store under the lease is done (REDIS_CACHE.md, section 4): what reads Redis right after a miss and expects the
   * entry there (a check, a test, a shutdown) awaits this first.
   */
  storesSettled(): Promise<void> {
    return this.leases.settled();
  }

  /** False when `raw` is larger than the maximum entry size (`maxEntryBytes`, UTF-8): it is never stored. */
  fits(raw: string): boolean {
    return this.leases.fits(raw);
  }

  /** Gives a lease back when its load failed or stores nothing, so other readers may fill the key at once. */
  releaseLease(key: string, token: string, stats?: EntityCacheStats): Promise<void> {
    return this.leases.release(this.fullKey(key), token, stats);
  }

  /**
   * Invalidates keys after a write: one UNLINK, which Redis allows even when memory is full.
   * Removing a key also removes any lease in it, so every load that began before the write
   * fails to store. Loads of these keys under way in this process are forgotten, so later
   * readers start anew.
   *
   * When Redis cannot be told, the keys are kept as pending and the breaker opens, so no read
   * in this process trusts the cache until the probe has delivered them; other processes learn
   * of the write from the outbox when one is configured. With a `receipt` (a captured write's), the UNLINK places it
   * beside each key (`write-receipt.ts`), for change capture's consumer.
   * @returns false when the invalidation is pending
   */
  invalidate(keys: readonly string[], stats?: EntityCacheStats, receipt?: WriteReceipt): Promise<boolean> {
    return this.invalidator.invalidate(keys, stats, receipt);
  }

  /**
   * Change capture's invalidation: each key with the log positions of the changes that made it stale; a key whose
   * writer's receipt covers them all is left alone (`write-receipt.ts`), the others invalidated by {@link invalidate}.
   */
  invalidateChanges(
    positions: ReadonlyMap<string, readonly number[] | null>,
    stats?: EntityCacheStats,
  ): Promise<{ delivered: boolean; skipped: number }> {
    return this.invalidator.invalidateChanges(positions, stats);
  }

  /**
   * Removes every key of a namespace (`hero` clears `hero:*`) with SCAN + UNLINK in batches.
   * Its cost grows with the keyspace: an administrative operation, never on the write path.
   * @returns keys removed (0 when Redis is unavailable)
   */
  clearNamespace(namespace: string): Promise<number> {
    return this.invalidator.clearNamespace(namespace);
  }

  /** True when the cache is used: Redis answers and its dataset is validated (the breaker is closed). */
  get trusted(): boolean {
    return this.gateway.trusted;
  }

  /**
   * Takes or renews a single-holder lease (`SET NX PX`, renewed by its holder), like the outbox deliverer's: change
   * capture holds one per source. A process that cannot reach Redis, or does not trust it, cannot hold it.
   * @param key the lease key, unprefixed (e.g. `!capture:pg:slot`)
   * @param ttlMs milliseconds the lease lasts unless renewed
   * @param whileUntrusted renew even though the breaker is open (the holder is clearing the prefix itself)
   * @returns true while `token` holds the lease
   */
  holdLease(key: string, token: string, ttlMs: number, whileUntrusted = false): Promise<boolean> {
    return holdLease(this.gateway, 'lease-holder', this.fullKey(key), token, ttlMs, whileUntrusted);
  }

  /**
   * Treats every entry under the prefix as stale, as restore detection treats a restored dataset: the cache stops
   * being trusted now, and the recovery probe clears the whole prefix (SCAN + UNLINK) before trusting it again.
   * For change capture that may have missed changes (a replication slot dropped or invalidated, a TRUNCATE).
   * @param timeoutMs milliseconds to wait for the clearing
   * @returns true once the prefix was cleared and the cache is trusted again; false when not done in time
   */
  invalidateAll(timeoutMs: number): Promise<boolean> {
    return this.invalidator.invalidateAll(timeoutMs);
  }

  /** Empties every near cache of this service (the next reads go to Redis and fill them again). */
  clearNearCaches(): void {
    this.near.clear();
  }

  /** Breaker state, pending invalidations, dataset clears, outbox delivery and counters. */
  health(): CacheHealth {
    const { enabled, gateway, pending, recovery, deliverer, durableWrites, near, watches } = this;
    return parts.serviceHealth({ enabled, gateway, pending, recovery, deliverer, durableWrites, near, watches });
  }

  /**
   * Waits until Redis is connected and its dataset validated (the cache is trusted).
   * @param timeoutMs milliseconds to wait. @default 2000
   * @returns false when disabled or not ready in time; the cache then serves from the database.
   */
  waitUntilReady(timeoutMs: number = DEFAULTS.readyTimeoutMs): Promise<boolean> {
    return this.gateway.waitUntilTrusted(timeoutMs);
  }

  /** Stops the outbox delivery, the near caches' tracking, and closes the Redis connections. */
  async close(): Promise<void> {
    this.deliverer?.stop();
    this.watches.close();
    this.near.close();
    await this.gateway.close();
  }
}
