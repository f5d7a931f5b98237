import type { EntityCacheStats } from '../observability/cache-stats';
import type { NearCacheGroup } from '../near-cache/near-cache-group';
import { OUT_OF_MEMORY, UNAVAILABLE, WRONG_TYPE, type RedisGateway } from '../redis/redis-gateway';
import { receiptKeysOf } from '../redis/receipts';
import { escapeGlob } from '../repository/key-schema';
import { decodeReceipt, encodeReceipt, receiptCovers, type WriteReceipt } from '../repository/write-receipt';
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
  /** Milliseconds a write receipt stays beside an invalidated key (`write-receipt.ts`); 0 places none. */
  readonly receiptTtlMs: number;
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
  async invalidate(keys: readonly string[], stats?: EntityCacheStats, receipt?: WriteReceipt): Promise<boolean> {
    const { gateway, near, pending, watches } = this.parts;
    const unique = [...new Set(keys)];
    if (unique.length === 0 || !this.parts.enabled) return true;
    this.parts.flights.forget(unique);
    if (stats) stats.invalidations += unique.length;
    // Near caches drop the keys before the UNLINK and again once it is applied: a GET sent in
    // between may have been served before it, and its fill must be cancelled.
    near.writeApplied(unique);
    const full = unique.map((key) => this.parts.fullKey(key));
    const { receiptTtlMs } = this.parts;
    const result = await gateway.run(
      'invalidate',
      stats,
      (redis) =>
        // A receipt for at most 1,000 keys: the script passes them to one UNLINK (Lua's `unpack` has a stack limit).
        receipt && receiptTtlMs > 0 && full.length <= 1000
          ? redis.unlinkWithReceipt(full, encodeReceipt(receipt), receiptTtlMs)
          : redis.unlink(full),
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

  /**
   * See `CacheService.invalidateChanges`: the keys whose receipt covers every position given are left alone, the others
   * invalidated. A key without positions (null or empty) is invalidated; so is every key when the receipts cannot be
   * read.
   */
  async invalidateChanges(
    positions: ReadonlyMap<string, readonly number[] | null>,
    stats?: EntityCacheStats,
  ): Promise<{ delivered: boolean; skipped: number }> {
    const asked = [...positions].filter((entry): entry is [string, readonly number[]] => !!entry[1]?.length);
    const receiptKeys = receiptKeysOf(asked.map(([key]) => this.parts.fullKey(key)));
    const readable = asked.filter((_, index) => receiptKeys[index] !== null);
    const skip = new Set<string>();
    if (readable.length > 0 && this.parts.enabled) {
      const keys = receiptKeys.filter((key): key is string => key !== null);
      const values = await this.parts.gateway.run('invalidate', undefined, (redis) => redis.mget(keys));
      if (Array.isArray(values))
        readable.forEach(([key, changes], index) => {
          const receipt = decodeReceipt(values[index] ?? null);
          if (receipt && changes.every((position) => receiptCovers(receipt, position))) skip.add(key);
        });
    }
    const rest = [...positions.keys()].filter((key) => !skip.has(key));
    return { delivered: await this.invalidate(rest, stats), skipped: skip.size };
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
