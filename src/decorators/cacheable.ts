import { CacheOptionsError } from '../errors';
import { checkMethodKey, checkTtlSeconds, type HasMethodCache } from './method-cache';

/**
 * Method decorators for services: `@Cacheable` serves a method's result from Redis through the
 * read path of cached repositories, `@CacheEvict` invalidates keys after a write method.
 * They need `experimentalDecorators` (tsyringe's setting) and a class with a public
 * `methodCache` property (see method-cache.ts for why). The key of a call is built by a typed
 * function of the method's leading parameters, never from parameter names read at run time:
 * a key function whose parameters do not fit the method's fails to compile, as does the
 * decorator on a method that does not return a Promise or on a class without `methodCache`.
 */

/** A method of `A`'s parameters returning a Promise of `V`. */
type AsyncMethod<A extends unknown[], V> = (...args: A) => Promise<V>;

/** A method decorator for methods whose leading parameters are `K`. */
export type MethodDecoratorFor<K extends unknown[]> = <A extends [...K, ...unknown[]], V>(
  target: HasMethodCache,
  propertyKey: string | symbol,
  descriptor: TypedPropertyDescriptor<AsyncMethod<A, V>>,
) => void;

/** Options of {@link Cacheable}. TTLs are seconds. */
export interface CacheableOptions<K extends unknown[]> {
  /**
   * The key (unprefixed) of one call, from the method's leading arguments; build it with a key
   * schema, e.g. `(userId: string) => userKeys.progress({ userId })`. Annotate the parameters:
   * their types are checked against the method's.
   */
  key: (...args: K) => string;
  /**
   * Seconds a result stays cached; configuration (`MethodCacheOptions.ttlSeconds`) wins. @default the MethodCache's
   * default (CACHE_DEFAULT_TTL)
   */
  ttl?: number;
  /** Seconds a `null` result stays cached; 0 stores none. @default the TTL */
  negativeTtl?: number;
  /** Name in stats, metrics and TTL configuration. @default `ClassName.methodName` */
  name?: string;
}

/** Options of {@link CacheEvict}. */
export interface CacheEvictOptions<K extends unknown[]> {
  /**
   * Every key (unprefixed) whose cached value this write may change, from the method's leading
   * arguments, e.g. `(userId: string) => [userKeys.progress({ userId }), ...]`.
   */
  keys: (...args: K) => readonly string[];
  /** Name in stats (invalidations counted) and metrics. @default `ClassName.methodName` */
  name?: string;
}

function methodName(target: HasMethodCache, propertyKey: string | symbol): string {
  return `${target.constructor.name}.${String(propertyKey)}`;
}

function methodOf<A extends unknown[], V>(
  decorator: string,
  name: string,
  descriptor: TypedPropertyDescriptor<AsyncMethod<A, V>>,
): AsyncMethod<A, V> {
  const original = descriptor.value;
  if (typeof original !== 'function')
    throw new CacheOptionsError(`@${decorator} on ${name}: only methods can be decorated`);
  return original;
}

/**
 * Caches the method's results under `key(...args)` for `ttl` seconds, through the same read
 * path as `CachedRepository` (`CacheAsideReader`): a hit is one GET; a miss places a lease,
 * runs the method, and stores its result only while the lease is still in the key, so a
 * write that invalidates the key during the load keeps the (possibly stale) result out of
 * Redis; concurrent misses in a process share one call; `null` is cached as a negative
 * entry; with Redis down or the breaker open the method runs uncached.
 *
 * The result must be what superjson can round-trip (plain data, Dates, Maps, Sets; class
 * instances come back as plain objects unless the MethodCache's serializer has a codec).
 * A hit returns a new copy, never the object another call received.
 *
 * When `this.methodCache` is null or undefined, or its cache is disabled, the method runs on
 * every call.
 * @example
 * class ProgressService {
 *   constructor(readonly methodCache: MethodCache | null, ...) {}
 *   \@Cacheable({ key: (userId: string) => userKeys.progress({ userId }), ttl: 60 })
 *   async getProgress(userId: string): Promise<Progress> { ... }
 * }
 * @throws {CacheOptionsError} at class definition, for a TTL that is not a whole number of seconds
 */
export function Cacheable<K extends unknown[]>(options: CacheableOptions<K>): MethodDecoratorFor<K> {
  if (options.ttl !== undefined) checkTtlSeconds('@Cacheable ttl', options.ttl, 1);
  if (options.negativeTtl !== undefined) checkTtlSeconds('@Cacheable negativeTtl', options.negativeTtl, 0);
  const ttl = { ttl: options.ttl, negativeTtl: options.negativeTtl };
  return (target, propertyKey, descriptor) => {
    const name = options.name ?? methodName(target, propertyKey);
    const original = methodOf('Cacheable', name, descriptor);
    descriptor.value = async function (this: HasMethodCache, ...args) {
      const cache = this.methodCache;
      if (!cache) return original.apply(this, args);
      // `args` starts with K (the compiler checked A extends [...K, ...unknown[]]); the rest is ignored by `key`.
      const key = options.key(...(args as unknown as K));
      return cache.read(name, key, ttl, () => original.apply(this, args));
    };
  };
}

/**
 * Invalidates `keys(...args)` after the method has run (one UNLINK through
 * `CacheService.invalidate`, as a cached repository's write does), so that no later read of
 * those keys returns a value computed before the write.
 *
 * The keys are built before the method runs (a bad key fails the call before any write). They
 * are invalidated when the method returns and also when it throws: a write may have committed
 * before a later step failed, and an invalidation too many only costs a miss.
 *
 * For the guarantee to survive the process dying between its commit and the UNLINK, the
 * method should also record the same keys in the invalidation outbox inside its transaction
 * when `methodCache.recordsWritesInOutbox` (see REDIS_CACHE.md, "Service caching").
 * @throws {CacheOptionsError} at class definition, on something that is not a method
 */
export function CacheEvict<K extends unknown[]>(options: CacheEvictOptions<K>): MethodDecoratorFor<K> {
  return (target, propertyKey, descriptor) => {
    const name = options.name ?? methodName(target, propertyKey);
    const original = methodOf('CacheEvict', name, descriptor);
    descriptor.value = async function (this: HasMethodCache, ...args) {
      const cache = this.methodCache;
      if (!cache) return original.apply(this, args);
      const keys = options.keys(...(args as unknown as K));
      // Every key is checked before the write, so a bad key never leaves a write without its invalidation.
      for (const key of keys) checkMethodKey(name, key);
      try {
        return await original.apply(this, args);
      } finally {
        await cache.evict(name, keys);
      }
    };
  };
}
