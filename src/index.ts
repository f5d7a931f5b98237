/**
 * cachedrepo: any repository, transparently cached in Redis, with reads that are never
 * older than a completed write. See REDIS_CACHE.md for the guide.
 *
 * The public API, by job:
 * - decorate a repository: `CachedRepository`, `defineCacheStrategy`, `defineKeySchema`;
 * - cache service methods: `@Cacheable`, `@CacheEvict`, `MethodCache`;
 * - talk to Redis: `createRedisClient`, `createRedisCluster` (Redis Cluster), `CacheService`, `createCacheService`;
 * - configure: `loadCacheSettings`, `parseEnv`, `cacheEnvShape`, `envTypes`;
 * - wire into tsyringe: `registerRepositories`, `repositoryRegistration`, `isCached`;
 * - serialize: `createSuperjsonSerializer`, `valueObjectCodec`;
 * - errors: one class per stable code, also as the `errors` map.
 * Testing helpers (the strategy conformance suite, a redis-server launcher) are in
 * `cachedrepo/testing`; change capture (writes made outside the repositories, read from PostgreSQL's WAL or SQLite
 * triggers) in `cachedrepo/capture`.
 */
export { CachedRepository, type Cached, type CacheControl } from './repository/cached-repository';
export {
  defineCacheStrategy,
  DEFAULT_NEGATIVE_TTL_SECONDS,
  type CacheStrategy,
  type CacheStrategyDefinition,
  type CacheableQueryName,
  type QueryCachePolicy,
  type QueryDefinitions,
  type QueryPolicies,
} from './repository/cache-strategy';
export {
  defineKeySchema,
  encodeKeyComponent,
  type KeySchema,
  type KeySchemaOptions,
  type KeyParams,
  type KeyParamNames,
} from './repository/key-schema';
export {
  Cacheable,
  CacheEvict,
  MethodCache,
  DEFAULT_METHOD_TTL_SECONDS,
  type CacheableOptions,
  type CacheEvictOptions,
  type MethodDecoratorFor,
  type HasMethodCache,
  type MethodCacheOptions,
  type MethodCallEvent,
} from './decorators';
export {
  CacheService,
  type CacheServiceOptions,
  type CacheHealth,
  type CacheRead,
  type StoreOutcome,
} from './protocol/cache-service';
export {
  NearCache,
  DEFAULT_NEAR_CACHE_MAX_BYTES,
  type NearCacheOptions,
  type NearCacheStats,
} from './near-cache/near-cache';
export type { NearCacheServiceOptions, NearCacheHealth } from './near-cache/near-cache-group';
export type { TrackingMode } from './near-cache/client-tracking';
export { createCacheService, type CreateCacheServiceOptions } from './settings/create-cache-service';
export { createRedisClient, waitUntilReady, type RedisConnectionOptions } from './redis/redis-client';
export {
  createRedisCluster,
  waitUntilClusterReady,
  parseClusterNodes,
  type ClusterNodeAddress,
  type ClusterNodesSetting,
  type RedisClusterConnectionOptions,
} from './redis/cluster/cluster-client';
export { registerSecret } from './observability/redact';
export type { CircuitBreakerOptions, BreakerState } from './trust/circuit-breaker';
export type { InvalidationOutbox, OutboxEntry, OutboxDeliveryOptions } from './protocol/outbox';
export type { CacheLogger } from './observability/cache-logger';
export type { CacheStatsSnapshot } from './observability/cache-stats';
export {
  createSuperjsonSerializer,
  valueObjectCodec,
  type Serializer,
  type ValueObjectCodec,
} from './repository/serializer';
export type { EntryShape } from './protocol/entry-codec';
export type { Entity, NewEntity, EntityChanges } from './repository/entity';
export type { CapturedTable, RowImage } from './repository/captured-table';
export { isChangeTracking, type Repository, type ChangeTrackingRepository } from './repository/repository';
export { isOutboxRecording, type OutboxRecordingRepository, type AffectedKeysOf } from './repository/outbox-recording';
export {
  registerRepositories,
  repositoryRegistration,
  isCached,
  type RepositoryRegistration,
  type AnyRepositoryRegistration,
} from './tsyringe/container';
export {
  loadCacheSettings,
  cacheSettingsFrom,
  cacheEnvShape,
  parseEnv,
  envTypes,
  type CacheSettings,
} from './settings/settings';
export {
  errors,
  CacheLibraryError,
  KeyPatternError,
  CorruptEntryError,
  StrategyError,
  ApiCollisionError,
  CacheOptionsError,
  RedisClientError,
  ConfigError,
  EntityNotFoundError,
  InvalidArgumentError,
  CaptureSetupError,
  type CaptureSetupProblem,
} from './errors';
