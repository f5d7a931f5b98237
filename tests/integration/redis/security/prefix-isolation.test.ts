import type { Redis } from 'ioredis';
import type { CacheService } from '../../../../src/protocol/cache-service';
import { connectCache, get, put } from '../../../support/cache';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';

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
    expect(await put(app1, 'hero:1', 'one', 60)).toBe(true);
    expect(await put(app2, 'hero:1', 'two', 60)).toBe(true);
    expect(await get(app1, 'hero:1')).toBe('one');
    expect(await get(app2, 'hero:1')).toBe('two');
    expect((await redis.keys('*')).filter((key) => !key.includes('!')).sort()).toEqual(['app1:hero:1', 'app2:hero:1']);
  });

  it('a key set by one application is not seen by the other', async () => {
    await put(app1, 'only-in-1', 'v', 60);
    expect(await get(app2, 'only-in-1')).toBeNull();
    expect(await app2.readMany(['only-in-1'])).toEqual([{ kind: 'empty' }]);
    expect(await get(app10, 'only-in-1')).toBeNull();
    expect(await get(app1, 'only-in-1')).toBe('v');
  });

  it("clearing a namespace of one application leaves the others' keys", async () => {
    await Promise.all(Array.from({ length: 50 }, (_, i) => put(app1, `k:${i}`, 'a1', 60)));
    await Promise.all(Array.from({ length: 50 }, (_, i) => put(app2, `k:${i}`, 'a2', 60)));
    await put(app10, 'k:0', 'a10', 60);
    await redis.set('unprefixed', 'someone else');
    expect(await app1.clearNamespace('k')).toBe(50);
    expect(await get(app1, 'k:0')).toBeNull();
    expect(
      (await app2.readMany(Array.from({ length: 50 }, (_, i) => `k:${i}`))).every(
        (read) => read.kind === 'value' && read.raw === 'a2',
      ),
    ).toBe(true);
    expect(await get(app10, 'k:0')).toBe('a10');
    expect(await redis.get('unprefixed')).toBe('someone else');
  });

  it("invalidating a key in one application leaves the other's", async () => {
    await put(app1, 'hero:1', 'one', 60);
    await put(app2, 'hero:1', 'two', 60);
    expect(await app1.invalidate(['hero:1'])).toBe(true);
    expect(await get(app1, 'hero:1')).toBeNull();
    expect(await get(app2, 'hero:1')).toBe('two');
    expect(await app1.read('hero:1')).toEqual({ kind: 'empty' });
  });
});
