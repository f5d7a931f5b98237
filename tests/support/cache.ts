import type { Redis } from 'ioredis';
import { CacheService, type CacheServiceOptions } from '../../src/protocol/cache-service';
import type { CacheLogger } from '../../src/observability/cache-logger';
import { createRedisClient, waitUntilReady } from '../../src/redis/redis-client';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';

/** A logger that keeps lines in memory, so tests stay quiet and can assert on what was logged. */
export class MemoryLogger implements CacheLogger {
  readonly lines: { level: string; details: object; message: string }[] = [];
  debug = (details: object, message: string): void => void this.lines.push({ level: 'debug', details, message });
  info = (details: object, message: string): void => void this.lines.push({ level: 'info', details, message });
  warn = (details: object, message: string): void => void this.lines.push({ level: 'warn', details, message });
  error = (details: object, message: string): void => void this.lines.push({ level: 'error', details, message });
}

/** A connected ioredis client and a CacheService on it, as the library builds them. */
export async function connectCache(
  url: string,
  options: CacheServiceOptions = {},
  commandTimeoutMs = 1000,
): Promise<{ redis: Redis; cache: CacheService; logger: MemoryLogger }> {
  const redis = createRedisClient({ url, commandTimeoutMs });
  redis.on('error', () => undefined);
  await waitUntilReady(redis, 3000);
  const logger = new MemoryLogger();
  const cache = new CacheService(redis, { logger, ...options });
  // The cache is trusted once its dataset is validated; a server that is down stays untrusted.
  await cache.waitUntilReady(3000);
  return { redis, cache, logger };
}

/** A redis-server and a CacheService on it, shared by the tests of one file. */
export interface RedisCacheFixture {
  server: RedisServerHandle;
  redis: Redis;
  cache: CacheService;
  logger: MemoryLogger;
}

/**
 * Registers the lifecycle of a {@link RedisCacheFixture}: a fresh redis-server and cache
 * before the file's tests, both stopped after. With `flushBeforeEach` (the default) every test
 * starts on an empty Redis with zeroed stats. The returned object is filled in `beforeAll`.
 */
export function useRedisCache(
  options: { cacheOptions?: CacheServiceOptions; flushBeforeEach?: boolean } = {},
): RedisCacheFixture {
  const fixture = {} as RedisCacheFixture;
  beforeAll(async () => {
    fixture.server = await startRedisServer();
    Object.assign(fixture, await connectCache(fixture.server.url, options.cacheOptions));
  });
  afterAll(async () => {
    await fixture.cache?.close();
    await fixture.server?.stop();
  });
  if (options.flushBeforeEach ?? true) {
    beforeEach(async () => {
      await fixture.redis.flushall();
      fixture.cache.stats.reset();
    });
  }
  return fixture;
}

/**
 * Stores `raw` at `key` the only way the library allows: under a lease. @returns false when Redis refused or was
 * unavailable
 */
export async function put(cache: CacheService, key: string, raw: string, ttlSeconds: number): Promise<boolean> {
  const token = await cache.acquireLease(key, undefined);
  return token !== null && (await cache.storeLeased(key, token, raw, ttlSeconds)) === 'stored';
}

/** The raw entry at `key`, or null (empty, leased, or Redis unavailable). */
export async function get(cache: CacheService, key: string): Promise<string | null> {
  const read = await cache.read(key);
  return read.kind === 'value' ? read.raw : null;
}
