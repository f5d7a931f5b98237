import type { Cluster, Redis } from 'ioredis';
import { CacheService } from '../protocol/cache-service';
import type { CacheLogger } from '../observability/cache-logger';
import type { NearCachePeers } from '../near-cache/near-cache-peers';
import { createRedisCluster } from '../redis/cluster/cluster-client';
import type { InvalidationOutbox } from '../protocol/outbox';
import { createRedisClient } from '../redis/redis-client';
import type { CacheSettings } from './settings';
import type { ConsistencyAuditOptions } from '../audit/audit-types';
import type { TracingOptions } from '../tracing/tracing-types';

/** What {@link createCacheService} may be given besides the settings. */
export interface CreateCacheServiceOptions {
  /**
   * The outbox the base repositories write (e.g. `new PrismaOutbox(prisma)`); used when `settings.cache.outboxEnabled`.
   */
  outbox?: InvalidationOutbox;
  logger?: CacheLogger;
  /**
   * Strings besides the Redis passwords (an admin token, say) that no log line of the service and no error its Redis
   * clients emit may show (`secrets` of `createRedisClient`). @default []
   */
  secrets?: readonly string[];
  /** Other CacheServices of this process whose near caches see this one's writes at once, and it theirs. */
  nearCachePeers?: NearCachePeers;
  /**
   * The consistency auditor's other options (its rate limit in base reads per second, the re-check delay); it runs
   * when `settings.cache.auditSampleRate` (CACHE_AUDIT_SAMPLE_RATE) is above 0. @default its defaults
   */
  audit?: Omit<ConsistencyAuditOptions, 'sampleRate'>;
  /** OpenTelemetry spans of cached reads and writes. @default off */
  tracing?: TracingOptions;
}

/**
 * A {@link CacheService} as the settings describe it, or `null` when `settings.redis.enabled`
 * is false. Standalone: `settings.redis.maxConnections` clients from `createRedisClient` on
 * `settings.redis.url`. With `settings.redis.clusterNodes` (REDIS_CLUSTER_NODES): one
 * `createRedisCluster` client (one connection per node; `maxConnections` unused), with the same
 * username, password, CA file and timeouts; TLS when the seeds are `rediss://` URLs or
 * REDIS_URL is `rediss://`. Near caches (CACHE_NEAR_CACHE_ENABLED) work on both; on a cluster their
 * tracking is per master in broadcast mode (CACHE_NEAR_CACHE_TRACKING is not used there).
 * @throws {RedisClientError} when the URL or seeds cannot be parsed or the CA file cannot be read
 */
export function createCacheService(
  settings: CacheSettings,
  options: CreateCacheServiceOptions = {},
): CacheService | null {
  if (!settings.redis.enabled) return null;
  const { redis, cache } = settings;
  const clients: Cluster | Redis[] = redis.clusterNodes
    ? createRedisCluster({
        nodes: redis.clusterNodes.nodes,
        username: redis.username ?? redis.clusterNodes.username,
        password: redis.password ?? redis.clusterNodes.password,
        tls: redis.clusterNodes.tls || redis.url.startsWith('rediss:'),
        tlsCaFile: redis.tlsCaFile,
        connectTimeoutMs: redis.socketTimeoutMs,
        commandTimeoutMs: redis.commandTimeoutMs,
        secrets: options.secrets,
      })
    : Array.from({ length: redis.maxConnections }, () =>
        createRedisClient({
          url: redis.url,
          password: redis.password,
          username: redis.username,
          connectTimeoutMs: redis.socketTimeoutMs,
          commandTimeoutMs: redis.commandTimeoutMs,
          tlsCaFile: redis.tlsCaFile,
          secrets: options.secrets,
        }),
      );
  return new CacheService(clients, {
    keyPrefix: cache.keyPrefix,
    leaseTtlSeconds: cache.leaseTtlSeconds,
    maxEntryBytes: cache.maxEntryBytes,
    circuitBreaker: { failureThreshold: redis.breakerFailureThreshold, probeIntervalMs: redis.breakerProbeIntervalMs },
    nearCache: {
      enabled: cache.nearCacheEnabled,
      trackingMode: cache.nearCacheTracking,
      maxStalenessMs: cache.nearCacheMaxStalenessMs,
      invalidationFence: cache.nearCacheFence,
      ...(options.nearCachePeers && { peers: options.nearCachePeers }),
    },
    ...(options.logger && { logger: options.logger }),
    ...(cache.auditSampleRate > 0 && { audit: { ...options.audit, sampleRate: cache.auditSampleRate } }),
    ...(options.tracing && { tracing: options.tracing }),
    ...(cache.outboxEnabled &&
      options.outbox && { outbox: options.outbox, outboxDelivery: { pollIntervalMs: cache.outboxPollIntervalMs } }),
  });
}
