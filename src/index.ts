/**
 * cachedrepo: any repository, transparently cached in Redis, with reads that are never older
 * than a completed write (REDIS_CACHE.md, section 4). The root holds what every user needs:
 * - decorate a repository: `CachedRepository`, `defineCacheStrategy`, `defineKeySchema`, and
 *   `readBeforeWrite` for a base that cannot return its before-image in its own transaction;
 * - talk to Redis: `CacheService`, `createRedisClient`, `waitUntilReady`;
 * - serialize: `createSuperjsonSerializer`, `valueObjectCodec`;
 * - the ports a base repository implements, and every error class in the `errors` map.
 * The rest is in subpaths: `cachedrepo/decorators` (service methods), `/settings` (environment),
 * `/tsyringe`, `/cluster`, `/prisma`, `/capture` (change data capture) and `/testing` (REDIS_CACHE.md, section 1).
 */
export { CachedRepository, type Cached, type CacheControl } from './repository/cached-repository';
export { defineCacheStrategy, type CacheStrategy } from './repository/cache-strategy';
export { defineKeySchema, type KeySchema } from './repository/key-schema';
export { readBeforeWrite } from './repository/read-before-write';
export type { Entity, NewEntity, EntityChanges } from './repository/entity';
export type { Repository, BeforeImageRepository, EntityChange } from './repository/repository';
export type { OutboxRecordingRepository, AffectedKeysOf } from './repository/outbox-recording';
export { createSuperjsonSerializer, valueObjectCodec, type Serializer } from './repository/serializer';
export { CacheService, type CacheServiceOptions } from './protocol/cache-service';
export type { InvalidationOutbox } from './protocol/outbox';
export type { NearCacheOptions } from './near-cache/near-cache';
export { NearCachePeers } from './near-cache/near-cache-peers';
export { createRedisClient, waitUntilReady, type RedisConnectionOptions } from './redis/redis-client';
export type { CacheLogger } from './observability/cache-logger';
export { isCached } from './tsyringe/container';
export { errors } from './errors';
