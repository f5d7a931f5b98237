import Redis from 'ioredis';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';
import { getOrLease, type GetOrLeaseSupport } from '../../../src/redis/get-or-lease';

// SET key token EX ttl NX GET on a real redis-server: a GET that places the lease only in an empty key.
describe('getOrLease (one SET NX GET)', () => {
  let server: RedisServerHandle;
  let redis: Redis;
  let support: GetOrLeaseSupport;
  beforeAll(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });
  beforeEach(async () => {
    await redis.flushall();
    support = { unsupported: false };
  });

  it('places the lease, with its TTL, in an empty key and reports it placed', async () => {
    expect(await getOrLease(redis, support, 'k', '\0lease:mine', 10)).toEqual({ value: null, placed: true });
    expect(await redis.get('k')).toBe('\0lease:mine');
    const ttl = await redis.pttl('k');
    expect(ttl).toBeGreaterThan(9000);
    expect(ttl).toBeLessThanOrEqual(10000);
  });

  it('returns an entry and leaves it, and its TTL, untouched', async () => {
    await redis.set('k', '{"entry":1}', 'EX', 600);
    expect(await getOrLease(redis, support, 'k', '\0lease:mine', 10)).toEqual({ value: '{"entry":1}', placed: false });
    expect(await redis.get('k')).toBe('{"entry":1}');
    expect(await redis.ttl('k')).toBeGreaterThan(500);
  });

  it("returns another reader's lease without replacing it", async () => {
    await redis.set('k', '\0lease:other', 'EX', 10);
    expect(await getOrLease(redis, support, 'k', '\0lease:mine', 10)).toEqual({
      value: '\0lease:other',
      placed: false,
    });
    expect(await redis.get('k')).toBe('\0lease:other');
  });

  it('counts its own token as placed (the same command sent again after a stalled timeout)', async () => {
    await getOrLease(redis, support, 'k', '\0lease:mine', 10);
    expect(await getOrLease(redis, support, 'k', '\0lease:mine', 10)).toEqual({ value: null, placed: true });
  });

  it('fails with WRONGTYPE on a key of another type, like a GET', async () => {
    await redis.hset('k', 'field', 'value');
    await expect(getOrLease(redis, support, 'k', '\0lease:mine', 10)).rejects.toThrow(/WRONGTYPE/);
    expect(await redis.type('k')).toBe('hash');
  });

  it('falls back to a plain GET, placing nothing, on a server without NX GET (before 7.0: syntax error)', async () => {
    // Redis 6.2 answers SET ... NX GET with this error; the real server answers every other command.
    const older = new Proxy(redis, {
      get(target, property, receiver) {
        if (property === 'set') return () => Promise.reject(new Error('ERR syntax error'));
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    expect(await getOrLease(older, support, 'k', '\0lease:mine', 10)).toEqual({ value: null, placed: false });
    expect(support.unsupported).toBe(true);
    expect(await redis.exists('k')).toBe(0);
    await redis.set('k', 'entry');
    expect(await getOrLease(older, support, 'k', '\0lease:mine', 10)).toEqual({ value: 'entry', placed: false });
  });
});
