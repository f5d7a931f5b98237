/**
 * cachedrepo: any repository, transparently cached in Redis, with reads that are never
 * older than a completed write. See REDIS_CACHE.md for the guide.
 *
 * The public API, by job:
 * - decorate a repository: `CachedRepository`, `defineCacheStrategy`, `defineKeySchema`, and
 *   `readBeforeWrite` for a base that cannot return its before-image transactionally;
 * - cache service methods: `@Cacheable`, `@CacheEvict`, `MethodCache`;
 * - talk to Redis: `createRedisClient`, `createRedisCluster` (Redis Cluster), `CacheService`, `createCacheService`;
 * - configure: `loadCacheSettings`, `parseEnv`, `cacheEnvShape`, `envTypes`;
 * - wire into tsyringe: `registerRepositories`, `repositoryRegistration`, `isCached`;
 * - serialize: `createSuperjsonSerializer`, `valueObjectCodec`;
 * - errors: one class per stable code, also as the `errors` map.
 * Testing helpers (the strategy conformance suite, a redis-server launcher) are in
 * `cachedrepo/testing`.
 */
export {
  CachedRepository,
  type Cached,
  type CacheControl,
  type OutboxWriteMember,
  type RepositoryIdOf,
} from './repository/cached-repository';
export {
  defineCacheStrategy,
  DEFAULT_NEGATIVE_TTL_SECONDS,
  type CacheStrategy,
  type CacheStrategyDefinition,
  type CacheStrategyFields,
  type IdDefinition,
  type OmitDefinition,
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
  type KeyValue,
} from './repository/key-schema';
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
export { NearCachePeers, type NearCachePeer } from './near-cache/near-cache-peers';
export type { TrackingMode } from './near-cache/client-tracking';
export { createRedisClient, waitUntilReady, type RedisConnectionOptions } from './redis/redis-client';
export { isCached } from './tsyringe/container';
export { SecretRedactor } from './observability/secret-redactor';
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
export type { EntryShape, EntityCheck } from './protocol/entry-codec';
export type { Entity, NewEntity, EntityChanges, AnyEntity, IdOf } from './repository/entity';
export {
  stringId,
  intId,
  bigIntId,
  compositeId,
  checkId,
  type IdCodec,
  type IdScalar,
  type IdScalarKind,
  type IdScalarOf,
  type EntityId,
  type CompositeIdOf,
} from './repository/id-codec';
export type { OmittableField, Projection, ProjectedRepository, WithoutFields } from './repository/projection';
export type { Repository, BeforeImageRepository, EntityChange } from './repository/repository';
export { readBeforeWrite, type EntityOf } from './repository/read-before-write';
export type { OutboxRecordingRepository, AffectedKeysOf } from './repository/outbox-recording';
export {
  errors,
  CacheLibraryError,
  KeyPatternError,
  CorruptEntryError,
  StrategyError,
  ApiCollisionError,
  WriteCapabilityError,
  CacheOptionsError,
  RedisClientError,
  ConfigError,
  EntityNotFoundError,
  InvalidArgumentError,
  InvalidIdError,
} from './errors';
