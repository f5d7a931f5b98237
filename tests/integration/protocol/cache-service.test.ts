import type { Redis } from 'ioredis';
import type { CacheService } from '../../../src/protocol/cache-service';
import { until } from '../../support/wait';
import { connectCache, useRedisCache, type MemoryLogger } from '../../support/cache';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';

// The invalidation protocol's primitives, on a real redis-server: leases, conditional stores
// and invalidation (REDIS_CACHE.md, section 4).
describe('CacheService on a real redis-server', () => {
  let redis: Redis;
  let cache: CacheService;
  const fixture = useRedisCache({ cacheOptions: { keyPrefix: 'app[1]' } });
  beforeAll(() => ({ redis, cache } = fixture));

  it('stores under a lease with a TTL in seconds, under the prefix, and reads it back', async () => {
    expect(await cache.read('k')).toEqual({ kind: 'empty' });
    const token = await cache.acquireLease('k', undefined);
    expect(token).not.toBeNull();
    expect(await cache.read('k')).toEqual({ kind: 'empty' });
    expect(await cache.storeLeased('k', token as string, 'v', 120)).toBe('stored');
    expect(await redis.get('app[1]:k')).toBe('v');
    expect(await cache.read('k')).toEqual({ kind: 'value', raw: 'v' });
    const ttl = await redis.ttl('app[1]:k');
    expect(ttl).toBeGreaterThan(115);
    expect(ttl).toBeLessThanOrEqual(120);
    // A stored entry is not leased again: the lease is only for an empty or rejected key.
    expect(await cache.acquireLease('k', undefined)).toBeNull();
    expect(await cache.acquireLease('k', 'something else')).toBeNull();
  });

  it('a second reader does not steal a lease, and a lost lease makes the store fail', async () => {
    const first = (await cache.acquireLease('k', undefined)) as string;
    expect(await cache.acquireLease('k', undefined)).toBeNull();
    await redis.flushall();
    expect(await cache.storeLeased('k', first, 'stale', 60)).toBe('lost');
    expect(await redis.exists('app[1]:k')).toBe(0);
  });

  it('invalidation removes entries and leases, so a load begun before it cannot store', async () => {
    const token = (await cache.acquireLease('absent', undefined)) as string;
    const other = (await cache.acquireLease('k', undefined)) as string;
    expect(await cache.storeLeased('k', other, 'old', 60)).toBe('stored');
    expect(await cache.invalidate(['k', 'absent'])).toBe(true);
    expect(await cache.read('k')).toEqual({ kind: 'empty' });
    expect(await cache.storeLeased('absent', token, 'stale', 60)).toBe('lost');
    const fresh = (await cache.acquireLease('absent', undefined)) as string;
    expect(await cache.storeLeased('absent', fresh, 'fresh', 60)).toBe('stored');
    expect(await cache.read('absent')).toEqual({ kind: 'value', raw: 'fresh' });
  });

  it('a corrupt entry or a value of another type may be leased over; a released lease frees the key', async () => {
    await redis.set('app[1]:bad', 'garbage');
    expect(await cache.acquireLease('bad', 'garbage')).not.toBeNull();
    await redis.hset('app[1]:hash', 'f', 'v');
    expect(await cache.read('hash')).toEqual({ kind: 'wrong-type' });
    const token = (await cache.acquireLease('hash', undefined)) as string;
    expect(await redis.type('app[1]:hash')).toBe('string');
    await cache.releaseLease('hash', token);
    expect(await redis.exists('app[1]:hash')).toBe(0);
    expect(cache.health().breaker).toBe('closed');
  });

  it('clears a namespace, and a prefix with glob characters matches only itself', async () => {
    await redis.set('app1:hero:1', 'other application');
    await Promise.all(Array.from({ length: 1200 }, (_, i) => redis.set(`app[1]:hero:${i}`, 'x')));
    await redis.set('app[1]:heroes:1', 'x');
    expect(await cache.clearNamespace('hero')).toBe(1200);
    expect(await redis.get('app[1]:heroes:1')).toBe('x');
    expect(await redis.get('app1:hero:1')).toBe('other application');
  });

  it('refuses an empty prefix, which dataset validation would clear whole', () => {
    expect(() => new (cache.constructor as typeof CacheService)(null, { keyPrefix: '' })).toThrow(/keyPrefix/);
  });
});

describe('CacheService with Redis unreachable', () => {
  let server: RedisServerHandle;
  let cache: CacheService;
  let logger: MemoryLogger;

  beforeAll(async () => {
    server = await startRedisServer();
    ({ cache, logger } = await connectCache(server.url));
    await server.stop();
    // What this describes holds once the client has seen its connection close (the breaker opens then): on a loaded
    // machine the close event can come after the test's first commands, which then fail instead of being bypassed.
    await until(() => cache.health().breaker === 'open', 5000, 'the breaker to open on the closed connection');
  });
  afterAll(() => cache.close());

  it(
    'turns every operation into a miss or a no-op, counts, logs (throttled), keeps ' +
      'invalidations pending, never throws',
    async () => {
      const started = Date.now();
      expect(await cache.read('k')).toEqual({ kind: 'unavailable' });
      expect(await cache.readMany(['a', 'b'])).toEqual([{ kind: 'unavailable' }, { kind: 'unavailable' }]);
      expect(await cache.acquireLease('k', undefined)).toBeNull();
      expect(await cache.storeLeased('k', 'token', 'v', 10)).toBe('error');
      expect(await cache.clearNamespace('x')).toBe(0);
      expect(await cache.invalidate(['k'])).toBe(false);
      expect(Date.now() - started).toBeLessThan(1000);
      // The connection closed, so the breaker is open: commands are not even sent.
      expect(cache.health()).toMatchObject({ breaker: 'open', pendingInvalidations: 1 });
      expect(cache.health().bypassed).toBeGreaterThanOrEqual(5);
      expect(logger.lines.filter((line) => line.level === 'warn').length).toBeLessThanOrEqual(9);
    },
  );
});
