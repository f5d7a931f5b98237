import type { EntityCacheStats } from '../observability/cache-stats';
import type { NearCacheGroup } from '../near-cache/near-cache-group';
import { OUT_OF_MEMORY, UNAVAILABLE, WRONG_TYPE, type RedisGateway } from '../redis/redis-gateway';
import { escapeGlob } from '../repository/key-schema';
import type { PendingInvalidations } from './pending-invalidations';
import type { SingleFlight } from './single-flight';
import type { Watches } from './watches';

/** What an {@link Invalidator} works with: the parts of its `CacheService`. */
export interface InvalidatorParts {
  readonly enabled: boolean;
  readonly gateway: RedisGateway;
  readonly flights: SingleFlight;
  readonly pending: PendingInvalidations;
  readonly near: NearCacheGroup;
  readonly watches: Watches;
  /** Keys asked per SCAN page when a namespace is cleared. */
  readonly scanBatchSize: number;
  /** The key as stored in Redis. */
  fullKey(key: string): string;
}

/**
 * The invalidation side of a `CacheService` (REDIS_CACHE.md, sections 3 and 4): a write's UNLINK, pending
 * invalidations when Redis cannot be told, and the administrative clears. `CacheService` documents each method.
 */
export class Invalidator {
  constructor(private readonly parts: InvalidatorParts) {}

  /** See `CacheService.invalidate`. @returns false when the invalidation is pending */
  async invalidate(keys: readonly string[], stats?: EntityCacheStats): Promise<boolean> {
    const { gateway, near, pending, watches } = this.parts;
    const unique = [...new Set(keys)];
    if (unique.length === 0 || !this.parts.enabled) return true;
    this.parts.flights.forget(unique);
    if (stats) stats.invalidations += unique.length;
    // Near caches drop the keys before the UNLINK and again once it is applied: a GET sent in
    // between may have been served before it, and its fill must be cancelled.
    near.writeApplied(unique);
    const result = await gateway.run(
      'invalidate',
      stats,
      (redis) => redis.unlink(unique.map((key) => this.parts.fullKey(key))),
      gateway.sendsWhileRevalidating,
    );
    near.writeApplied(unique);
    const delivered = result !== UNAVAILABLE && result !== OUT_OF_MEMORY && result !== WRONG_TYPE;
    // A read of the same keys (same masters), answered in a later pass than the UNLINK: by then Redis has written the
    // invalidations of that pass to other processes' near caches (`NearCacheGroup.awaitsDelivery`).
    if (delivered && near.awaitsDelivery)
      await gateway.run('invalidate', undefined, (redis) => redis.mget(unique.map((key) => this.parts.fullKey(key))));
    watches.noteInvalidation(unique.length, delivered);
    if (delivered) return true;
    pending.add(unique);
    gateway.distrust('pending-invalidation');
    return false;
  }

  /** See `CacheService.clearNamespace`. @returns keys removed (0 when Redis is unavailable) */
  async clearNamespace(namespace: string): Promise<number> {
    const { gateway, near } = this.parts;
    near.clear();
    const removed = await gateway.run('clear', undefined, (redis) =>
      redis.scanAndUnlink(`${escapeGlob(this.parts.fullKey(namespace))}:*`, this.parts.scanBatchSize),
    );
    near.clear();
    return typeof removed === 'symbol' ? 0 : removed;
  }

  /** See `CacheService.invalidateAll`. */
  invalidateAll(timeoutMs: number): Promise<boolean> {
    const { gateway } = this.parts;
    if (!this.parts.enabled) return Promise.resolve(true);
    this.parts.pending.overflow();
    gateway.distrust('pending-invalidation');
    gateway.breaker.probeNow();
    return gateway.waitUntilTrusted(timeoutMs);
  }
}
