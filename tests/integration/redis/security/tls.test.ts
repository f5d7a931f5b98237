import type { Redis } from 'ioredis';
import { CacheService } from '../../../../src/protocol/cache-service';
import { createRedisClient, waitUntilReady } from '../../../../src/redis/redis-client';
import { get, MemoryLogger, put } from '../../../support/cache';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';
import { generateTlsCertificates, type TlsCertificates } from '../../../support/tls-certificates';

/** A CacheService over `createRedisClient`, as the container builds it, logging to memory. */
function cacheOver(redis: Redis): { cache: CacheService; logger: MemoryLogger } {
  const logger = new MemoryLogger();
  return { cache: new CacheService(redis, { logger, keyPrefix: 'tls' }), logger };
}

describe('rediss:// against a redis-server with a TLS port and a throwaway CA', () => {
  let certificates: TlsCertificates;
  let otherCa: TlsCertificates;
  let server: RedisServerHandle;
  const services: CacheService[] = [];

  beforeAll(async () => {
    certificates = generateTlsCertificates('redis-tls');
    otherCa = generateTlsCertificates('unrelated');
    server = await startRedisServer({
      tls: { certFile: certificates.certFile, keyFile: certificates.keyFile, caFile: certificates.caFile },
    });
  });
  afterAll(async () => {
    await Promise.all(services.map((service) => service.close()));
    // ioredis arms a 2 s timer when it closes a client whose socket is already gone (AbstractConnector#disconnect): let
    // it run out so jest exits at once.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await server?.stop();
    certificates?.remove();
    otherCa?.remove();
  });

  it('serves rediss:// only: the URL is rediss and the port speaks no plain RESP', async () => {
    expect(server.url).toBe(`rediss://127.0.0.1:${server.port}`);
    const plain = createRedisClient({
      url: `redis://127.0.0.1:${server.port}`,
      connectTimeoutMs: 500,
      commandTimeoutMs: 500,
    });
    plain.on('error', () => undefined);
    const { cache } = cacheOver(plain);
    services.push(cache);
    expect(await waitUntilReady(plain, 700)).toBe(false);
    expect(await get(cache, 'k')).toBeNull();
  });

  it('round-trips lease/store/read/invalidate through CacheService over createRedisClient with tlsCaFile', async () => {
    const redis = createRedisClient({ url: server.url, tlsCaFile: certificates.caFile, commandTimeoutMs: 1000 });
    const { cache, logger } = cacheOver(redis);
    services.push(cache);
    expect(await cache.waitUntilReady(3000)).toBe(true);
    expect(await put(cache, 'hero:1', '{"name":"Ada"}', 60)).toBe(true);
    expect(await get(cache, 'hero:1')).toBe('{"name":"Ada"}');
    expect(await cache.readMany(['hero:1', 'hero:2'])).toEqual([
      { kind: 'value', raw: '{"name":"Ada"}' },
      { kind: 'empty' },
    ]);
    expect(await redis.ttl('tls:hero:1')).toBeGreaterThan(55);
    expect(await redis.get('tls:hero:1')).toBe('{"name":"Ada"}');
    expect(await cache.invalidate(['hero:1'])).toBe(true);
    expect(await get(cache, 'hero:1')).toBeNull();
    expect(cache.health().errors).toBe(0);
    expect(logger.lines.filter((line) => line.level !== 'debug')).toEqual([]);
  });

  it.each([
    [
      'without the CA (system trust only)',
      (): string | undefined => undefined,
      /self[- ]signed|unable to (get|verify)/i,
    ],
    ['trusting an unrelated CA', (): string | undefined => otherCa.caFile, /self[- ]signed|unable to (get|verify)/i],
  ])(
    'a client %s is refused, and through CacheService every operation is a miss, not a throw',
    async (_name, caFile, expectedError) => {
      const redis = createRedisClient({
        url: server.url,
        tlsCaFile: caFile(),
        connectTimeoutMs: 1000,
        commandTimeoutMs: 500,
      });
      const { cache, logger } = cacheOver(redis);
      services.push(cache);
      expect(await cache.waitUntilReady(700)).toBe(false);
      await expect(put(cache, 'k', 'v', 60)).resolves.toBe(false);
      await expect(cache.readMany(['k', 'other'])).resolves.toEqual([{ kind: 'unavailable' }, { kind: 'unavailable' }]);
      await expect(cache.read('k')).resolves.toEqual({ kind: 'unavailable' });
      await expect(cache.clearNamespace('k')).resolves.toBe(0);
      await expect(cache.storeLeased('k', 'token', 'v', 60)).resolves.toBe('error');
      expect(cache.health().errors + cache.health().bypassed).toBeGreaterThan(0);
      // The certificate failure itself reached the log, through the connection error handler.
      const connection = logger.lines.filter(
        (line) => (line.details as { operation?: string }).operation === 'connection',
      );
      expect(connection.length).toBeGreaterThan(0);
      expect(JSON.stringify(connection)).toMatch(expectedError);
    },
  );
});
