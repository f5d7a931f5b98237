import { CacheService } from './cache-service';
import type { CacheLogger } from './cache-logger';
import type { InvalidationOutbox } from './outbox';
import { createRedisClient } from './redis-client';
import type { CacheSettings } from './settings';

/** What {@link createCacheService} may be given besides the settings. */
export interface CreateCacheServiceOptions {
  /** The outbox the base repositories write (e.g. `new PrismaOutbox(prisma)`); used when `settings.cache.outboxEnabled`. */
  outbox?: InvalidationOutbox;
  logger?: CacheLogger;
}

/**
 * A {@link CacheService} as the settings describe it, with `settings.redis.maxConnections`
 * clients from `createRedisClient`, or `null` when `settings.redis.enabled` is false.
 * @throws {RedisClientError} when the URL cannot be parsed or the CA file cannot be read
 */
export function createCacheService(settings: CacheSettings, options: CreateCacheServiceOptions = {}): CacheService | null {
  if (!settings.redis.enabled) return null;
  const { redis, cache } = settings;
  const clients = Array.from({ length: redis.maxConnections }, () =>
    createRedisClient({
      url: redis.url,
      password: redis.password,
      username: redis.username,
      connectTimeoutMs: redis.socketTimeoutMs,
      commandTimeoutMs: redis.commandTimeoutMs,
      tlsCaFile: redis.tlsCaFile,
    }),
  );
  return new CacheService(clients, {
    keyPrefix: cache.keyPrefix,
    leaseTtlSeconds: cache.leaseTtlSeconds,
    maxEntryBytes: cache.maxEntryBytes,
    circuitBreaker: { failureThreshold: redis.breakerFailureThreshold, probeIntervalMs: redis.breakerProbeIntervalMs },
    nearCache: { enabled: cache.nearCacheEnabled, trackingMode: cache.nearCacheTracking, maxStalenessMs: cache.nearCacheMaxStalenessMs },
    ...(options.logger && { logger: options.logger }),
    ...(cache.outboxEnabled && options.outbox && { outbox: options.outbox, outboxDelivery: { pollIntervalMs: cache.outboxPollIntervalMs } }),
  });
}
