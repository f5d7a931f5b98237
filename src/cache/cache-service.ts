import type { Redis } from 'ioredis';
import { createDefaultLogger, ThrottledErrorLog, type CacheLogger } from './cache-logger';
import { CacheStatsRegistry, type EntityCacheStats } from './cache-stats';
import { CircuitBreaker, type BreakerState, type CircuitBreakerOptions } from './circuit-breaker';
import { isInvalidationMarker, newInvalidationMarker, STORE_IF_UNCHANGED_LUA } from './invalidation-marker';
import { escapeGlob } from './key-schema';
import { PendingInvalidations } from './pending-invalidations';
import { waitUntilReady } from './redis-client';
import { SingleFlight } from './single-flight';

/** Options of a {@link CacheService}. */
export interface CacheServiceOptions {
  /** Prefix of every key, joined with `:` (`cache` gives `cache:hero:1`). Keeps applications sharing one Redis apart. @default 'cache' */
  keyPrefix?: string;
  /** When false no Redis command is sent: reads miss, writes are no-ops. @default true */
  enabled?: boolean;
  /** Seconds an invalidation marker lives; must exceed the slowest database load. @default 60 */
  invalidationMarkerTtlSeconds?: number;
  /** Keys asked per SCAN page, and so per UNLINK batch, in {@link CacheService.deletePattern}. @default 500 */
  scanBatchSize?: number;
  /** Largest entry stored, in bytes (UTF-8); larger values are served from the database and counted. @default 1048576 */
  maxEntryBytes?: number;
  /** When reads stop trying Redis after failures, and how often it is probed. */
  circuitBreaker?: CircuitBreakerOptions;
  /** Where failures are reported. @default pino at LOG_LEVEL, else warn */
  logger?: CacheLogger;
}

/** What {@link CacheService.health} reports, e.g. for a health endpoint. */
export interface CacheHealth {
  enabled: boolean;
  /** `open`: Redis is being bypassed until a probe succeeds. */
  breaker: BreakerState;
  breakerOpenings: number;
  /** Invalidations not yet delivered to Redis; reads of their keys bypass the cache. */
  pendingInvalidations: number;
  /** True when too many invalidations were pending to track: recovery clears the whole prefix. */
  pendingOverflowed: boolean;
  errors: number;
  /** Commands not sent because the breaker was open. */
  bypassed: number;
}

/** What a consistency-aware read found: a live entry, a miss (with what the key held), or a Redis failure. */
export type CacheRead = { kind: 'hit'; raw: string } | { kind: 'miss'; seen: string } | { kind: 'error' };

/** Outcome of {@link CacheService.storeIfUnchanged}. */
export type StoreOutcome = 'stored' | 'changed' | 'oversized' | 'error';

const FAILED: unique symbol = Symbol('failed');
type RedisWithScripts = Redis & {
  storeIfUnchanged(key: string, seen: string, raw: string, ttlSeconds: number): Promise<number>;
};

/**
 * The one place that talks to Redis. Every command is guarded: a Redis error or timeout is
 * logged (throttled), counted, and turned into a miss or a no-op, never thrown (DESIGN.md,
 * rule 5). Keys passed in are unprefixed; the service adds `keyPrefix`.
 *
 * Multi-key work (MGET, marker pipelines, SCAN/UNLINK) lives only here, so it can be made
 * hash-slot aware for Redis Cluster in one place.
 */
export class CacheService {
  readonly keyPrefix: string;
  readonly enabled: boolean;
  readonly stats = new CacheStatsRegistry();
  /** Loads under way in this process, shared by every cached repository on this service. */
  readonly flights = new SingleFlight();
  /** Redis failures since start, all entity types together. */
  errorCount = 0;
  /** Commands not sent because the circuit breaker was open. */
  bypassCount = 0;

  private readonly clients: readonly RedisWithScripts[];
  private nextClient = 0;
  private readonly prefix: string;
  private readonly markerTtl: number;
  private readonly scanBatchSize: number;
  private readonly maxEntryBytes: number;
  private readonly errorLog: ThrottledErrorLog;
  private readonly logger: CacheLogger;
  private readonly breaker: CircuitBreaker;
  private readonly pending = new PendingInvalidations();

  /**
   * @param redis an ioredis client; several to spread commands over connections in turn
   *   (REDIS_MAX_CONNECTIONS); or `null` to run without a cache
   */
  constructor(redis: Redis | readonly Redis[] | null, options: CacheServiceOptions = {}) {
    const clients = redis === null ? [] : Array.isArray(redis) ? redis : [redis as Redis];
    this.keyPrefix = options.keyPrefix ?? 'cache';
    this.prefix = this.keyPrefix === '' ? '' : `${this.keyPrefix}:`;
    this.enabled = (options.enabled ?? true) && clients.length > 0;
    this.markerTtl = options.invalidationMarkerTtlSeconds ?? 60;
    this.scanBatchSize = options.scanBatchSize ?? 500;
    this.maxEntryBytes = options.maxEntryBytes ?? 1_048_576;
    this.logger = options.logger ?? createDefaultLogger();
    this.errorLog = new ThrottledErrorLog(this.logger);
    this.breaker = new CircuitBreaker(() => this.recover(), (state) => this.logBreaker(state), options.circuitBreaker);
    for (const client of clients) {
      // ioredis emits connection errors as events; without a listener Node prints them as unhandled.
      client.on('error', (error: unknown) => this.errorLog.report('connection', error));
      if (!('storeIfUnchanged' in client)) client.defineCommand('storeIfUnchanged', { numberOfKeys: 1, lua: STORE_IF_UNCHANGED_LUA });
    }
    this.clients = clients as readonly RedisWithScripts[];
  }

  /** The key as stored in Redis. */
  fullKey(key: string): string {
    return this.prefix + key;
  }

  // --- Plain operations -------------------------------------------------------------

  /** The live entry at `key`, or `null` (absent, invalidated, or Redis unavailable). */
  async get(key: string): Promise<string | null> {
    const read = await this.read(key);
    return read.kind === 'hit' ? read.raw : null;
  }

  /** Live entries for `keys`, in order, `null` where absent or unavailable. One MGET. */
  async mget(keys: readonly string[]): Promise<(string | null)[]> {
    return (await this.readMany(keys)).map((read) => (read.kind === 'hit' ? read.raw : null));
  }

  /** Stores `value` unconditionally for `ttlSeconds` seconds. @returns false when Redis was unavailable. */
  async set(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    return (await this.attempt('set', undefined, (redis) => redis.set(this.fullKey(key), value, 'EX', ttlSeconds))) !== FAILED;
  }

  /** Removes keys (UNLINK). @returns how many existed, 0 when unavailable. */
  async delete(...keys: string[]): Promise<number> {
    if (keys.length === 0) return 0;
    const removed = await this.attempt('delete', undefined, (redis) => redis.unlink(...keys.map((key) => this.fullKey(key))));
    return removed === FAILED ? 0 : removed;
  }

  /** True when `key` holds a live entry (an invalidation marker does not count). */
  async exists(key: string): Promise<boolean> {
    return (await this.get(key)) !== null;
  }

  /**
   * Seconds `key` has left, as Redis TTL answers: -2 when there is no live entry (absent or
   * invalidated), -1 when it never expires; `null` when Redis is unavailable.
   */
  async ttl(key: string): Promise<number | null> {
    const result = await this.attempt('ttl', undefined, (redis) =>
      redis.multi().get(this.fullKey(key)).ttl(this.fullKey(key)).exec(),
    );
    if (result === FAILED || !result) return null;
    const [[, raw], [, ttl]] = result as [[Error | null, string | null], [Error | null, number]];
    return raw === null || isInvalidationMarker(raw) ? -2 : ttl;
  }

  /**
   * Deletes every key matching a glob `pattern` (relative to the prefix, e.g. `hero:*`): SCAN
   * pages of {@link CacheServiceOptions.scanBatchSize} keys, each UNLINKed as one batch. Never
   * KEYS, which blocks Redis. Its cost grows with the keyspace, so it is an administrative
   * operation, never used on the write path. @returns keys deleted
   */
  async deletePattern(pattern: string): Promise<number> {
    const deleted = await this.attempt('deletePattern', undefined, (redis) => this.scanAndUnlink(redis, escapeGlob(this.prefix) + pattern));
    return deleted === FAILED ? 0 : deleted;
  }

  private async scanAndUnlink(redis: Redis, match: string): Promise<number> {
    let cursor = '0';
    let count = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', this.scanBatchSize);
      if (keys.length > 0) count += await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
    return count;
  }

  // --- Consistency-aware operations used by CachedRepository ---------------------------

  /** Reads one key; a miss carries what the key held, for {@link storeIfUnchanged}. */
  async read(key: string, stats?: EntityCacheStats): Promise<CacheRead> {
    const raw = await this.attempt('get', stats, (redis) => redis.get(this.fullKey(key)));
    return classify(raw);
  }

  /** Reads many keys with one MGET. */
  async readMany(keys: readonly string[], stats?: EntityCacheStats): Promise<CacheRead[]> {
    if (keys.length === 0) return [];
    const raws = await this.attempt('mget', stats, (redis) => redis.mget(keys.map((key) => this.fullKey(key))));
    return raws === FAILED ? keys.map(() => ({ kind: 'error' })) : raws.map(classify);
  }

  /**
   * Stores `raw` at `key` for `ttlSeconds` seconds only if the key still holds `seen` (what the
   * read that missed found there), atomically in a Lua script. `changed` means a write
   * invalidated the key meanwhile, so the loaded value may be stale and was dropped.
   */
  async storeIfUnchanged(key: string, seen: string, raw: string, ttlSeconds: number, stats?: EntityCacheStats): Promise<StoreOutcome> {
    // UTF-8 takes at most 3 bytes per UTF-16 unit: only measure when it could be too large.
    if (raw.length * 3 > this.maxEntryBytes && Buffer.byteLength(raw) > this.maxEntryBytes) return 'oversized';
    const stored = await this.attempt('storeIfUnchanged', stats, (redis) => redis.storeIfUnchanged(this.fullKey(key), seen, raw, ttlSeconds));
    if (stored === FAILED) return 'error';
    return stored === 1 ? 'stored' : 'changed';
  }

  /**
   * Invalidates keys after a write: each gets a fresh invalidation marker (one pipeline), so
   * reads miss and loads that started before the write cannot store what they read. Loads of
   * these keys under way in this process are forgotten, so later readers start anew.
   *
   * When Redis cannot be told, the keys are remembered as pending and the breaker opens, so
   * no read trusts the cache until the breaker's probe has delivered them.
   * @returns false when the invalidation is pending.
   */
  async invalidate(keys: readonly string[], stats?: EntityCacheStats): Promise<boolean> {
    const unique = [...new Set(keys)];
    if (unique.length === 0 || !this.enabled) return true;
    this.flights.forget(unique);
    if (stats) stats.invalidations += unique.length;
    const result = await this.attempt('invalidate', stats, (redis) => this.writeMarkers(redis, unique));
    if (result !== FAILED) return true;
    this.pending.add(unique);
    this.breaker.open();
    return false;
  }

  /** Breaker state, pending invalidations and counters. */
  health(): CacheHealth {
    return {
      enabled: this.enabled,
      breaker: this.breaker.state,
      breakerOpenings: this.breaker.openings,
      pendingInvalidations: this.pending.size,
      pendingOverflowed: this.pending.overflowed,
      errors: this.errorCount,
      bypassed: this.bypassCount,
    };
  }

  /**
   * Waits until the Redis connection is ready.
   * @param timeoutMs milliseconds to wait. @default 2000
   * @returns false when disabled or not ready in time; the cache then serves from the database.
   */
  async waitUntilReady(timeoutMs = 2000): Promise<boolean> {
    if (!this.enabled) return false;
    return (await Promise.all(this.clients.map((client) => waitUntilReady(client, timeoutMs)))).every(Boolean);
  }

  /** Closes the Redis connection (QUIT, or disconnect when it does not answer). */
  async close(): Promise<void> {
    this.breaker.dispose();
    await Promise.all(
      this.clients.map(async (client) => {
        try {
          await client.quit();
        } catch {
          client.disconnect();
        }
      }),
    );
  }

  private async attempt<R>(operation: string, stats: EntityCacheStats | undefined, command: (redis: RedisWithScripts) => Promise<R>): Promise<R | typeof FAILED> {
    if (!this.enabled) return FAILED;
    if (!this.breaker.closed) {
      this.bypassCount += 1;
      return FAILED;
    }
    try {
      const result = await command(this.client());
      this.breaker.recordSuccess();
      return result;
    } catch (error) {
      this.errorCount += 1;
      if (stats) stats.errors += 1;
      this.errorLog.report(operation, error);
      this.breaker.recordFailure();
      return FAILED;
    }
  }

  /** The next connection, in turn. Ordering needs nothing more: each caller awaits its replies. */
  private client(): RedisWithScripts {
    const client = this.clients[this.nextClient] as RedisWithScripts;
    this.nextClient = (this.nextClient + 1) % this.clients.length;
    return client;
  }

  private async writeMarkers(redis: RedisWithScripts, keys: readonly string[]): Promise<true> {
    const replies = await redis.pipeline(keys.map((key) => ['set', this.fullKey(key), newInvalidationMarker(), 'EX', this.markerTtl])).exec();
    const failed = replies?.find(([error]) => error !== null);
    if (failed) throw failed[0];
    return true;
  }

  /** The breaker's probe: Redis answers, and every pending invalidation is delivered. */
  private async recover(): Promise<boolean> {
    if (!this.enabled) return false;
    const redis = this.client();
    try {
      await redis.ping();
      if (this.pending.overflowed) {
        await this.scanAndUnlink(redis, `${escapeGlob(this.prefix)}*`);
        this.pending.clearOverflow();
      }
      const keys = this.pending.snapshot();
      if (keys.length > 0) await this.writeMarkers(redis, keys);
      this.pending.delivered(keys);
      return this.pending.empty;
    } catch (error) {
      this.errorLog.report('probe', error);
      return false;
    }
  }

  private logBreaker(state: BreakerState): void {
    if (state === 'open') {
      this.logger.warn({ pendingInvalidations: this.pending.size, openings: this.breaker.openings }, 'Redis circuit breaker opened: reads go to the database until Redis answers');
    } else {
      this.logger.info({ errors: this.errorCount, bypassed: this.bypassCount }, 'Redis circuit breaker closed: pending invalidations delivered, cache in use again');
    }
  }
}

function classify(raw: string | null | typeof FAILED): CacheRead {
  if (raw === FAILED) return { kind: 'error' };
  if (raw === null) return { kind: 'miss', seen: '' };
  if (isInvalidationMarker(raw)) return { kind: 'miss', seen: raw };
  return { kind: 'hit', raw };
}
