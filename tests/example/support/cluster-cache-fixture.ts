import type { Cluster, Redis } from 'ioredis';
import { CacheService, type CacheServiceOptions } from 'cachedrepo';
import type { RedisServerHandle } from 'cachedrepo/testing';
// The standalone fixture, by a specifier the redis-cluster project's moduleNameMapper does not rewrite (the `/./`).
import {
  MemoryLogger,
  get,
  put,
  connectCache as connectStandaloneCache,
  type RedisCacheFixture,
} from '../../support/./cache';
import { clusterMasters } from '../../../src/redis/cluster/masters';
import { startTestRedis, type TestRedis } from './test-redis';

/**
 * tests/support/cache.ts for the `redis-cluster` jest project, which maps that
 * module here (jest.config.js): `useRedisCache` gives the same fixture on a cluster of 3
 * masters with a replica each, so the tests written on it run unchanged on both topologies:
 * - `fixture.cache` is a CacheService on the ioredis `Cluster` client;
 * - `fixture.redis` is that client seen as one server ({@link standaloneView}): keyless
 *   commands (FLUSHALL, KEYS, DBSIZE) reach every master, multi-key EXISTS/DEL/UNLINK are split per key;
 * - `fixture.server` has the first seed's `url` and `port`, `signal` (every node: SIGSTOP
 *   freezes the whole cluster, which has a 5 s node timeout so that no failover follows) and `stop`;
 * - `connectCache(fixture.server.url)` connects another CacheService to the same cluster.
 * A standalone client made from `fixture.server.url` would get MOVED replies (such tests are
 * in the project's ignore list).
 */
export { MemoryLogger, get, put, type RedisCacheFixture };

/** Clusters started by {@link useRedisCache} in this file, by URL. */
const clusters = new Map<string, TestRedis>();

/** As the standalone `connectCache`, on the cluster when `url` is one {@link useRedisCache} started. */
export async function connectCache(
  url: string,
  options: CacheServiceOptions = {},
  commandTimeoutMs = 1000,
): Promise<{ redis: Redis; cache: CacheService; logger: MemoryLogger }> {
  const testRedis = clusters.get(url);
  if (!testRedis) return connectStandaloneCache(url, options, commandTimeoutMs);
  const client = (await testRedis.connect(commandTimeoutMs)) as Cluster;
  const logger = new MemoryLogger();
  const cache = new CacheService(client, { logger, ...options });
  await cache.waitUntilReady(10_000);
  return { redis: standaloneView(client), cache, logger };
}

/** `useRedisCache` on a cluster: one cluster per test file, flushed on every master before each test. */
export function useRedisCache(
  options: { cacheOptions?: CacheServiceOptions; flushBeforeEach?: boolean } = {},
): RedisCacheFixture {
  const fixture = {} as RedisCacheFixture;
  let testRedis: TestRedis;
  beforeAll(async () => {
    testRedis = await startTestRedis('cluster', { nodeTimeoutMs: 5000 });
    clusters.set(testRedis.url, testRedis);
    const nodes = testRedis.cluster?.nodes ?? [];
    const server = {
      url: testRedis.url,
      port: Number(new URL(testRedis.url).port),
      signal: (signal: NodeJS.Signals) => nodes.filter((node) => node.running).forEach((node) => node.signal(signal)),
      stop: () => testRedis.stop(),
    } as unknown as RedisServerHandle;
    Object.assign(fixture, { server }, await connectCache(testRedis.url, options.cacheOptions));
  }, 60_000);
  afterAll(async () => {
    await fixture.cache?.close();
    if (testRedis) clusters.delete(testRedis.url);
    await testRedis?.stop();
  });
  if (options.flushBeforeEach ?? true) {
    beforeEach(async () => {
      // This also removes the masters' dataset markers; the cache keeps trusting the same masters
      // (markers are read by the probe only), as a standalone cache keeps trusting a server
      // FLUSHALLed under it: what the standalone fixture does too.
      await fixture.redis.flushall();
      fixture.cache.stats.reset();
    });
  }
  return fixture;
}

const EVERY_MASTER = new Set(['flushall', 'flushdb']);
const SPLIT_PER_KEY = new Set(['exists', 'del', 'unlink']);

/**
 * The cluster client as tests written for one server use it: FLUSHALL/FLUSHDB on every master,
 * KEYS concatenated and DBSIZE summed over the masters, EXISTS/DEL/UNLINK of several keys sent
 * per key and summed. Every other command is the cluster client's (routed by its key's slot).
 */
export function standaloneView(cluster: Cluster): Redis {
  // The masters of the slot map (not `nodes('master')`, which may still list a crashed master).
  const masters = (): Redis[] => clusterMasters(cluster).map((master) => master.redis);
  return new Proxy(cluster, {
    get(target, property, receiver) {
      const name = String(property);
      if (EVERY_MASTER.has(name)) return async () => void (await Promise.all(masters().map((node) => node.call(name))));
      if (name === 'keys')
        return async (pattern: string) => (await Promise.all(masters().map((node) => node.keys(pattern)))).flat();
      if (name === 'dbsize')
        return async () =>
          (await Promise.all(masters().map((node) => node.dbsize()))).reduce((sum, count) => sum + count, 0);
      if (SPLIT_PER_KEY.has(name)) {
        return async (...keys: (string | string[])[]) => {
          const counts = await Promise.all(keys.flat().map((key) => target.call(name, key) as Promise<number>));
          return counts.reduce((sum, count) => sum + count, 0);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  }) as unknown as Redis;
}
