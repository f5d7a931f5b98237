import type { CacheLogger } from '../observability/cache-logger';
import type { BreakerState, CircuitBreakerOptions } from '../trust/circuit-breaker';
import type { NearCacheHealth, NearCacheServiceOptions } from '../near-cache/near-cache-group';
import type { InvalidationOutbox, OutboxDeliveryOptions } from './outbox';
import type { ConsistencyAuditHealth, ConsistencyAuditOptions } from '../audit/audit-types';
import type { TracingOptions } from '../tracing/tracing-types';

/** The shapes a `CacheService` takes and reports (its options, health, reads and store outcomes). */

/** Options of a `CacheService`. */
export interface CacheServiceOptions {
  /**
   * Prefix of every key, joined with `:` (`cache` gives `cache:hero:1`). Keeps applications sharing one Redis apart;
   * never empty, since validating a restored dataset clears everything under it. @default 'cache'
   */
  keyPrefix?: string;
  /** When false no Redis command is sent: reads miss, writes are no-ops. @default true */
  enabled?: boolean;
  /** Seconds a read's lease lives; a load slower than this is served but not cached. @default 10 */
  leaseTtlSeconds?: number;
  /**
   * Milliseconds a reader that finds another reader's lease (a hot key just invalidated, read by
   * several processes) waits for that reader's entry, reading the key again after 2, 4, 8, ... ms,
   * before it loads from the database itself without storing (the lease "wait and retry" of
   * Nishtala et al., NSDI 2013, section 3.2.1). 0 loads at once. @default 50
   */
  leaseWaitMs?: number;
  /**
   * Milliseconds a captured update's write receipt stays beside each key it invalidated (REDIS_CACHE.md, section 16):
   * change capture's consumer, reading the change within that time, leaves the key alone instead of unlinking it a
   * second time. 0 places no receipt: each captured update's script is then a plain UNLINK (about 25–40 µs less per
   * update here) and the consumer unlinks every key again. @default 5000
   */
  writeReceiptTtlMs?: number;
  /** Keys asked per SCAN page, and so per UNLINK batch, when a namespace or the prefix is cleared. @default 500 */
  scanBatchSize?: number;
  /**
   * Largest entry stored, in bytes (UTF-8); larger values are served from the database and counted. @default 1048576
   */
  maxEntryBytes?: number;
  /** When reads stop trying Redis after failures, and how often it is probed. */
  circuitBreaker?: CircuitBreakerOptions;
  /** Where failures are reported. @default pino at LOG_LEVEL, else warn */
  logger?: CacheLogger;
  /**
   * The invalidation outbox written by the base repositories (e.g. `PrismaOutbox`): its entries are delivered by one
   * process at a time, and replayed by any process before it trusts Redis again. @default none
   */
  outbox?: InvalidationOutbox;
  /** How the outbox is delivered. */
  outboxDelivery?: OutboxDeliveryOptions;
  /**
   * Near caches of the strategies that ask for one (REDIS_CACHE.md, section 11): `true` or options turn them on.
   * @default false (off: reads in other processes are then never older than a completed write)
   */
  nearCache?: NearCacheServiceOptions | boolean;
  /**
   * The consistency auditor: checks a sample of cache hits against the base repository, within a rate limit in base
   * reads per second (REDIS_CACHE.md, section 13). @default off (no sample rate)
   */
  audit?: ConsistencyAuditOptions;
  /** OpenTelemetry spans of cached reads and writes (REDIS_CACHE.md, section 13). @default off */
  tracing?: TracingOptions;
}

/** What {@link CacheService.health} reports, e.g. for a health endpoint. */
export interface CacheHealth {
  enabled: boolean;
  /** `open`: Redis is bypassed until a probe has validated it and delivered every pending invalidation. */
  breaker: BreakerState;
  breakerOpenings: number;
  /** Invalidations not yet delivered to Redis; no read trusts the cache meanwhile. */
  pendingInvalidations: number;
  /** True when too many invalidations were pending to track: recovery clears the whole prefix. */
  pendingOverflowed: boolean;
  errors: number;
  /** Commands not sent because the breaker was open. */
  bypassed: number;
  /**
   * Times the prefix was cleared because Redis's dataset could predate our invalidations (restart,
   * failover, first start). On a cluster, one per master cleared, counted when the clearing is
   * done even if the probe that did it failed on another master and was retried.
   */
  datasetClears: number;
  /**
   * Whether an outbox is configured, whether this process is its deliverer now, and the entity types whose writes skip
   * it now because a started change capture consumer reads their tables (`DurableWrites`).
   */
  outbox: { configured: boolean; deliverer: boolean; delivered: number; capturedEntityTypes: string[] };
  /** Near caches: whether tracking is active, invalidation messages, flushes, and each cache's counters. */
  nearCache: NearCacheHealth;
  /** What the consistency auditor checked and found; null when it is off. */
  audit: ConsistencyAuditHealth | null;
}

/** What a read found in one key. `wrong-type`: a value of another Redis type (a corrupt entry). */
export type CacheRead =
  { kind: 'value'; raw: string } | { kind: 'empty' } | { kind: 'wrong-type' } | { kind: 'unavailable' };

/**
 * Outcome of {@link CacheService.storeLeased}. `lost`: the lease was gone, so the value may be stale and was dropped.
 */
export type StoreOutcome = 'stored' | 'lost' | 'oversized' | 'error';
