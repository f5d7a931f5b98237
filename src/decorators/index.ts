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
