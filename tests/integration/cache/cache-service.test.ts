import type { Redis } from 'ioredis';
import type { CacheService } from '../../../src/cache/cache-service';
import { connectCache, useRedisCache, type MemoryLogger } from '../../support/cache';
import { startRedisServer, type RedisServerHandle } from '../../support/redis-server';

describe('CacheService on a real redis-server', () => {
  let redis: Redis;
  let cache: CacheService;
  const fixture = useRedisCache({ cacheOptions: { keyPrefix: 'app[1]' } });
  beforeAll(() => ({ redis, cache } = fixture));

  it('sets with a TTL in seconds under the prefix, and reads it back', async () => {
    expect(await cache.set('k', 'v', 120)).toBe(true);
    expect(await redis.get('app[1]:k')).toBe('v');
    expect(await cache.get('k')).toBe('v');
    expect(await cache.exists('k')).toBe(true);
    const ttl = await cache.ttl('k');
    expect(ttl).toBeGreaterThan(115);
    expect(ttl).toBeLessThanOrEqual(120);
    expect(await cache.ttl('absent')).toBe(-2);
  });

  it('expires entries after their TTL', async () => {
    await cache.set('short', 'v', 1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await cache.get('short')).toBeNull();
  });

  it('reads many keys in one MGET, null where absent', async () => {
    await cache.set('a', '1', 60);
    await cache.set('c', '3', 60);
    expect(await cache.mget(['a', 'b', 'c'])).toEqual(['1', null, '3']);
  });

  it('deletes keys and patterns, and a prefix with glob characters matches only itself', async () => {
    await redis.set('app1:hero:1', 'other application');
    await Promise.all(Array.from({ length: 1200 }, (_, i) => cache.set(`hero:${i}`, 'x', 60)));
    await cache.set('heroes:1', 'x', 60);
    expect(await cache.deletePattern('hero:*')).toBe(1200);
    expect(await cache.get('heroes:1')).toBe('x');
    expect(await redis.get('app1:hero:1')).toBe('other application');
    expect(await cache.delete('heroes:1', 'nothing')).toBe(1);
  });

  it('invalidation leaves a marker that reads as a miss, and refuses a store begun before it', async () => {
    await cache.set('k', 'old', 60);
    const missBefore = await cache.read('absent');
    expect(missBefore).toEqual({ kind: 'miss', seen: '' });
    expect(await cache.invalidate(['k', 'absent'])).toBe(true);
    expect(await cache.get('k')).toBeNull();
    expect(await cache.exists('k')).toBe(false);
    expect(await cache.ttl('k')).toBe(-2);
    // A load that saw the key empty before the write must not store what it loaded.
    expect(await cache.storeIfUnchanged('absent', '', 'stale', 60)).toBe('changed');
    // A load that started after the write saw the marker and may store.
    const after = await cache.read('absent');
    expect(after.kind).toBe('miss');
    const seen = after.kind === 'miss' ? after.seen : '';
    expect(await cache.storeIfUnchanged('absent', seen, 'fresh', 60)).toBe('stored');
    expect(await cache.get('absent')).toBe('fresh');
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
  });
  afterAll(() => cache.close());

  it('turns every operation into a miss or a no-op, counts, logs (throttled), opens the breaker, never throws', async () => {
    const started = Date.now();
    expect(await cache.get('k')).toBeNull();
    expect(await cache.set('k', 'v', 10)).toBe(false);
    expect(await cache.mget(['a', 'b'])).toEqual([null, null]);
    expect(await cache.delete('k')).toBe(0);
    expect(await cache.exists('k')).toBe(false);
    expect(await cache.ttl('k')).toBeNull();
    expect(await cache.deletePattern('x:*')).toBe(0);
    expect(await cache.invalidate(['k'])).toBe(false);
    expect(await cache.read('k')).toEqual({ kind: 'error' });
    expect(await cache.storeIfUnchanged('k', '', 'v', 10)).toBe('error');
    expect(Date.now() - started).toBeLessThan(1000);
    // Three failures open the breaker; later commands are not even sent.
    expect(cache.errorCount).toBe(3);
    expect(cache.bypassCount).toBe(7);
    expect(cache.health()).toMatchObject({ breaker: 'open', breakerOpenings: 1, pendingInvalidations: 1 });
    const warnings = logger.lines.filter((line) => line.level === 'warn');
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.length).toBeLessThanOrEqual(9);
  });
});
