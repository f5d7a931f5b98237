import type { Redis } from 'ioredis';
import type { CacheService } from '../../../src/cache/cache-service';
import { connectCache } from '../../support/cache';
import { startRedisServer, type RedisServerHandle } from '../../support/redis-server';

/** Two applications (and a third whose prefix starts like the first) sharing one redis-server. */
describe('key prefixes keep applications on one Redis apart', () => {
  let server: RedisServerHandle;
  let redis: Redis;
  let app1: CacheService;
  let app2: CacheService;
  let app10: CacheService;

  beforeAll(async () => {
    server = await startRedisServer();
    ({ redis, cache: app1 } = await connectCache(server.url, { keyPrefix: 'app1' }));
    ({ cache: app2 } = await connectCache(server.url, { keyPrefix: 'app2' }));
    ({ cache: app10 } = await connectCache(server.url, { keyPrefix: 'app10' }));
  });
  afterAll(async () => {
    await Promise.all([app1, app2, app10].map((cache) => cache?.close()));
    await server?.stop();
  });
  beforeEach(() => redis.flushall());

  it('the same key names are stored apart, under each prefix', async () => {
    expect(await app1.set('hero:1', 'one', 60)).toBe(true);
    expect(await app2.set('hero:1', 'two', 60)).toBe(true);
    expect(await app1.get('hero:1')).toBe('one');
    expect(await app2.get('hero:1')).toBe('two');
    expect((await redis.keys('*')).sort()).toEqual(['app1:hero:1', 'app2:hero:1']);
  });

  it('a key set by one application is not seen by the other', async () => {
    await app1.set('only-in-1', 'v', 60);
    expect(await app2.get('only-in-1')).toBeNull();
    expect(await app2.exists('only-in-1')).toBe(false);
    expect(await app2.ttl('only-in-1')).toBe(-2);
    expect(await app2.mget(['only-in-1'])).toEqual([null]);
    expect(await app10.get('only-in-1')).toBeNull();
    expect(await app1.get('only-in-1')).toBe('v');
  });

  it("deletePattern('*') of one application leaves the others' keys", async () => {
    await Promise.all(Array.from({ length: 50 }, (_, i) => app1.set(`k:${i}`, 'a1', 60)));
    await Promise.all(Array.from({ length: 50 }, (_, i) => app2.set(`k:${i}`, 'a2', 60)));
    await app10.set('k:0', 'a10', 60);
    await redis.set('unprefixed', 'someone else');
    expect(await app1.deletePattern('*')).toBe(50);
    expect(await app1.get('k:0')).toBeNull();
    expect(await app2.mget(Array.from({ length: 50 }, (_, i) => `k:${i}`))).toEqual(Array.from({ length: 50 }, () => 'a2'));
    expect(await app10.get('k:0')).toBe('a10');
    expect(await redis.get('unprefixed')).toBe('someone else');
    expect(await redis.dbsize()).toBe(52);
  });

  it("deleting and invalidating a key in one application leaves the other's", async () => {
    await app1.set('hero:1', 'one', 60);
    await app2.set('hero:1', 'two', 60);
    expect(await app1.invalidate(['hero:1'])).toBe(true);
    expect(await app1.get('hero:1')).toBeNull();
    expect(await app2.get('hero:1')).toBe('two');
    expect(await app2.storeIfUnchanged('hero:2', '', 'fresh', 60)).toBe('stored');
    expect(await app1.delete('hero:2')).toBe(0);
    expect(await app2.delete('hero:1', 'hero:2')).toBe(2);
    expect(await app1.read('hero:1')).toMatchObject({ kind: 'miss' });
  });
});
