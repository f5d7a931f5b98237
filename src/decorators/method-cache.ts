import { CacheAsideReader } from '../protocol/cache-aside-reader';
import type { CacheService } from '../protocol/cache-service';
import type { CacheStatsSnapshot, EntityCacheStats } from '../observability/cache-stats';
import type { EntryShape } from '../protocol/entry-codec';
import { CacheOptionsError, KeyPatternError } from '../errors';
import { createSuperjsonSerializer, type Serializer } from '../repository/serializer';
import { checkTtlSeconds as checkTtl } from '../repository/ttl';

/**
 * The cache of decorated service methods (`@Cacheable`, `@CacheEvict`) of one application
 * instance: the {@link CacheService} they read and invalidate through, their TTLs, their
 * serializer and their counters.
 *
 * Why an object handed to the service, and not a global the decorators look up: a decorator
 * runs once, when the class is defined, and is shared by every instance of the class; what it
 * must reach is per instance (two containers, two Redis servers, a test and the application
 * side by side). So the decorated class holds its `MethodCache` in a public `methodCache`
 * property (typically a constructor parameter, filled by the container), the decorators read
 * it from `this` at call time, and the compiler checks that the class has it
 * ({@link HasMethodCache}). Nothing here imports tsyringe.
 */

/** What a decorated class must have: the {@link MethodCache} of its container, or null/undefined to run uncached. */
export interface HasMethodCache {
  readonly methodCache: MethodCache | null | undefined;
}

/** One call of a decorated method, as reported to observers (metrics). */
export interface MethodCallEvent {
  /** The method's name in stats and configuration, e.g. `ProgressService.getProgress`. */
  method: string;
  /** `read`: a `@Cacheable` call; `evict`: the invalidation after a `@CacheEvict` call. */
  kind: 'read' | 'evict';
  /** For a read: whether this call ran the method body (a miss, or the cache disabled). */
  loaded: boolean;
  /** Milliseconds the call took (for a read: lookup and, on a miss, the load and the store). */
  durationMs: number;
}

/** Options of a {@link MethodCache}. TTLs are seconds. */
export interface MethodCacheOptions {
  /** TTL of a decorated method that sets none, in seconds (CACHE_DEFAULT_TTL). @default 3600 */
  defaultTtlSeconds?: number;
  /**
   * TTLs from configuration by method name (`ProgressService.getProgress`), in seconds; they win over the decorator's
   * `ttl`. @default {}
   */
  ttlSeconds?: Readonly<Record<string, number>>;
  /** How values are written to Redis. @default a superjson serializer (Dates, Maps, Sets, undefined kept) */
  serializer?: Serializer;
}

/** Default of {@link MethodCacheOptions.defaultTtlSeconds}: the core's CACHE_DEFAULT_TTL default. */
export const DEFAULT_METHOD_TTL_SECONDS = 3600;

/** Any value, checked only for the key it names (entry-codec.ts). */
const VALUE_SHAPE: Readonly<EntryShape> = { kind: 'value' };

/**
 * The characters a key built by `defineKeySchema` can hold: literal segments of
 * `[A-Za-z0-9_-]` and percent-encoded components, joined by `:`. Anything else (a space, a
 * newline, a glob character) would be a key no schema built, which could collide with
 * another key or widen a pattern: refused.
 */
const KEY = /^[A-Za-z0-9_-]+(?::[A-Za-z0-9_.!~'()%-]*)*$/;

/**
 * @throws {KeyPatternError} when `key` is not a key `defineKeySchema` could have built
 */
export function checkMethodKey(method: string, key: unknown): string {
  if (typeof key !== 'string' || !KEY.test(key)) {
    throw new KeyPatternError(
      `${method}: the cache key ${JSON.stringify(key)} is not a key of a key schema; build it ` +
        `with defineKeySchema so that data cannot form another key`,
    );
  }
  return key;
}

/**
 * A decorated method's TTL (`repository/ttl.ts`, the one TTL check).
 * @throws {CacheOptionsError} when `seconds` is not a whole number from `min` to a year
 */
export function checkTtlSeconds(what: string, seconds: number, min: number): number {
  return checkTtl(what, seconds, min, CacheOptionsError);
}

/** See the module comment. One per application instance (container), shared by its services. */
export class MethodCache {
  /** Seconds, for a decorated method without a TTL of its own or in configuration. */
  readonly defaultTtlSeconds: number;
  private readonly configured: ReadonlyMap<string, number>;
  private readonly serializer: Serializer;
  private readonly readers = new Map<string, CacheAsideReader>();
  private readonly methods = new Set<string>();
  private readonly observers = new Set<(event: MethodCallEvent) => void>();

  /**
   * @param cacheService the cache, or null when caching is disabled (REDIS_ENABLED=false):
   *   decorated methods then run their body on every call and evict nothing
   * @throws {CacheOptionsError} for a TTL that is not a whole number of seconds (at least 1)
   */
  constructor(
    readonly cacheService: CacheService | null,
    options: MethodCacheOptions = {},
  ) {
    this.defaultTtlSeconds = checkTtlSeconds(
      'defaultTtlSeconds',
      options.defaultTtlSeconds ?? DEFAULT_METHOD_TTL_SECONDS,
      1,
    );
    this.configured = new Map(
      Object.entries(options.ttlSeconds ?? {}).map(([name, ttl]) => [name, checkTtlSeconds(`TTL of ${name}`, ttl, 1)]),
    );
    this.serializer = options.serializer ?? createSuperjsonSerializer();
  }

  /** True when calls go through Redis: a cache service is configured and enabled. */
  get active(): boolean {
    return this.cacheService !== null && this.cacheService.enabled;
  }

  /**
   * True when a service's write should record the keys it evicts in the outbox, in its own transaction (as the Prisma
   * repositories do).
   */
  get recordsWritesInOutbox(): boolean {
    return this.cacheService?.recordsWritesInOutbox ?? false;
  }

  /** The TTL in seconds of `method`: from configuration, else `perUse` (the decorator's `ttl`), else the default. */
  ttlOf(method: string, perUse?: number): number {
    return this.configured.get(method) ?? perUse ?? this.defaultTtlSeconds;
  }

  /**
   * Serves one call of a `@Cacheable` method through the read path of cached repositories
   * (`CacheAsideReader`: lease, single-flight, conditional store, negative entries for
   * `null`, breaker). Without an active cache, runs `load` directly.
   * @param ttl.ttl seconds, from the decorator; ttl.negativeTtl seconds for a `null` result (0: not stored)
   * @throws {KeyPatternError} when `key` is not a key of a key schema; whatever `load` throws
   */
  async read<V>(
    method: string,
    key: string,
    ttl: { ttl?: number | undefined; negativeTtl?: number | undefined },
    load: () => Promise<V>,
  ): Promise<V> {
    checkMethodKey(method, key);
    const started = performance.now();
    let loaded = false;
    const counted = (): Promise<V> => {
      loaded = true;
      return load();
    };
    try {
      if (!this.active) return await counted();
      const seconds = this.ttlOf(method, ttl.ttl);
      const negativeSeconds = ttl.negativeTtl ?? seconds;
      return await this.readerOf(method).read<V>(
        key,
        VALUE_SHAPE,
        (value) => (value === null ? negativeSeconds : seconds),
        counted,
      );
    } finally {
      this.emit({ method, kind: 'read', loaded, durationMs: performance.now() - started });
    }
  }

  /**
   * Invalidates `keys` after a write (`CacheService.invalidate`: one UNLINK; when Redis
   * cannot be told, the keys stay pending and no read of this process trusts the cache until
   * they are delivered). Never throws for Redis failures.
   * @returns false when the invalidation is pending
   * @throws {KeyPatternError} when a key is not a key of a key schema
   */
  async evict(method: string, keys: readonly string[]): Promise<boolean> {
    for (const key of keys) checkMethodKey(method, key);
    if (!this.cacheService) return true;
    const started = performance.now();
    try {
      return await this.cacheService.invalidate(keys, this.statsOf(method));
    } finally {
      this.emit({ method, kind: 'evict', loaded: false, durationMs: performance.now() - started });
    }
  }

  /**
   * Counters of every decorated method called since start (hits, misses, errors, invalidations, hit ratio). Empty
   * without a cache.
   */
  methodStats(): CacheStatsSnapshot[] {
    return [...this.methods].sort().map((method) => this.statsOf(method).snapshot());
  }

  /** Names of the decorated methods called since start. */
  methodNames(): string[] {
    return [...this.methods].sort();
  }

  /** Calls `observer` after every decorated call (e.g. a latency histogram). @returns a function that stops it */
  observe(observer: (event: MethodCallEvent) => void): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  private statsOf(method: string): EntityCacheStats {
    this.methods.add(method);
    return (this.cacheService as CacheService).stats.for(method);
  }

  private readerOf(method: string): CacheAsideReader {
    let reader = this.readers.get(method);
    if (!reader) {
      reader = new CacheAsideReader(this.cacheService as CacheService, this.serializer, this.statsOf(method));
      this.readers.set(method, reader);
    }
    return reader;
  }

  private emit(event: MethodCallEvent): void {
    for (const observer of this.observers) {
      try {
        observer(event);
      } catch {
        // An observer (metrics) must never fail the call it observes.
      }
    }
  }
}
