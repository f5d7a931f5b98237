/**
 * cachedrepo/decorators: method decorators for services (`@Cacheable`, `@CacheEvict`) that cache
 * computed results on the same read path as the repositories (REDIS_CACHE.md, "Service-level caching").
 */
export {
  Cacheable,
  CacheEvict,
  type CacheableOptions,
  type CacheEvictOptions,
  type MethodDecoratorFor,
} from './cacheable';
export {
  MethodCache,
  DEFAULT_METHOD_TTL_SECONDS,
  type HasMethodCache,
  type MethodCacheOptions,
  type MethodCallEvent,
} from './method-cache';
