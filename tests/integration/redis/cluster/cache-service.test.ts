import { CacheService } from '../../../../src/protocol/cache-service';
import { clusterMasters } from '../../../../src/redis/cluster/masters';
import { keySlot } from '../../../../src/redis/cluster/key-slot';
import { markerKeyForSlots } from '../../../../src/redis/cluster/cluster-dataset-validation';
import { createCacheService } from '../../../../src/settings/create-cache-service';
import { loadCacheSettings } from '../../../../src/settings/settings';
import { MemoryLogger, get, put } from '../../../support/cache';
import { connectCluster, useRedisCluster } from './support';
import { until } from '../../../support/wait';

// CacheService itself on a real cluster of 3 masters with a replica each: the library's own
// calls (batched reads, invalidations, leases, clearing a namespace, restore detection), as
// createCacheService builds it from REDIS_CLUSTER_NODES.
describe('CacheService on a Redis Cluster of 3 masters with a replica each', () => {
  const fixture = useRedisCluster({ masters: 3, replicasPerMaster: 1 });
  let cache: CacheService;
  let logger: MemoryLogger;

  beforeAll(async () => {
    logger = new MemoryLogger();
    cache = new CacheService(await connectCluster(fixture.handle), {
      logger,
      circuitBreaker: { probeIntervalMs: 100 },
    });
    expect(await cache.waitUntilReady(10_000)).toBe(true);
  });
  afterAll(() => cache?.close());

  /** `count` keys whose slots are spread over every master. */
  const spreadKeys = (namespace: string, count: number): string[] =>
    Array.from({ length: count }, (_, index) => `${namespace}:${index}`);

  it('reads many keys of many slots in one call, in order, and invalidates them all', async () => {
    const keys = spreadKeys('hero', 100);
    expect(new Set(keys.map((key) => fixture.cluster.slots[keySlot(cache.fullKey(key))]?.[0])).size).toBe(3);
    for (const [index, key] of keys.entries()) expect(await put(cache, key, `v${index}`, 60)).toBe(true);
    const reads = await cache.readMany(keys);
    expect(reads).toEqual(keys.map((_, index) => ({ kind: 'value', raw: `v${index}` })));

    expect(await cache.invalidate(keys)).toBe(true);
    expect((await cache.readMany(keys)).every((read) => read.kind === 'empty')).toBe(true);
    expect(cache.health()).toMatchObject({ breaker: 'closed', pendingInvalidations: 0, errors: 0 });
  });

  it('runs the lease scripts on one key of any slot: a store after an invalidation is lost', async () => {
    for (const key of spreadKeys('lease', 30)) {
      const token = await cache.acquireLease(key, undefined);
      expect(token).not.toBeNull();
      expect(await cache.invalidate([key])).toBe(true);
      expect(await cache.storeLeased(key, token as string, 'stale', 60)).toBe('lost');
      expect(await get(cache, key)).toBeNull();
    }
  });

  it('clears a namespace on every master, and only it', async () => {
    for (const key of spreadKeys('story', 60)) await put(cache, key, 's', 60);
    for (const key of spreadKeys('deck', 10)) await put(cache, key, 'd', 60);
    expect(await cache.clearNamespace('story')).toBe(60);
    expect((await cache.readMany(spreadKeys('story', 60))).every((read) => read.kind === 'empty')).toBe(true);
    expect((await cache.readMany(spreadKeys('deck', 10))).every((read) => read.kind === 'value')).toBe(true);
  });

  it(
    'treats a promoted replica as a restored dataset: its keys are cleared before the cache is ' + 'trusted again',
    async () => {
      const keys = spreadKeys('card', 90);
      for (const key of keys) await put(cache, key, 'before', 60);
      const promotedShard = await fixture.handle.masterOf(1);
      const onShard = keys.filter(
        (key) =>
          fixture.cluster.slots[keySlot(cache.fullKey(key))]?.[0] === `${promotedShard.host}:${promotedShard.port}`,
      );
      expect(onShard.length).toBeGreaterThan(10);
      const clears = cache.health().datasetClears;

      await fixture.handle.failover(1, 'manual');
      // Any read after the failover either is refused (answered by the unvalidated new master) or
      // comes after the probe cleared that master: a key of that shard never reads 'before' again.
      await until(
        async () => {
          const reads = await cache.readMany(onShard);
          return cache.health().breaker === 'closed' && reads.every((read) => read.kind === 'empty');
        },
        20_000,
        'the cache to validate the promoted master',
      );
      expect(cache.health().datasetClears).toBeGreaterThan(clears);
      expect(logger.lines.some((line) => /topology changed/.test(line.message))).toBe(true);
      const others = keys.filter((key) => !onShard.includes(key));
      expect((await cache.readMany(others)).filter((read) => read.kind === 'value').length).toBe(others.length);
    },
  );

  // Found by repeating crash failovers (CI failed once on it): a probe cleared the promoted
  // master, failed on another master, and the retry found that master's marker already set, so
  // the clearing was neither counted nor logged. What must hold is that every clearing is.
  it(
    'counts and logs a clearing when it is done, even when the probe that did it fails on ' + 'another master',
    async () => {
      const cluster = await connectCluster(fixture.handle, { connectionName: 'clears-test', commandTimeoutMs: 1000 });
      const ownLogger = new MemoryLogger();
      const own = new CacheService(cluster, {
        logger: ownLogger,
        keyPrefix: 'clears',
        circuitBreaker: { probeIntervalMs: 100 },
      });
      try {
        expect(await own.waitUntilReady(10_000)).toBe(true);
        const [a, b] = [await fixture.handle.masterOf(0), await fixture.handle.masterOf(2)];
        const slotsOfA = clusterMasters(cluster).find((master) => master.key === `${a.host}:${a.port}`)?.slots ?? [];
        const markerOfA = markerKeyForSlots(own.fullKey(''), slotsOfA);
        expect(await a.command('GET', markerOfA)).not.toBeNull();
        const clears = own.health().datasetClears;
        // A's marker is gone (evicted, say), and B refuses INFO (per node: ACLs are not shared by a
        // cluster): the next probe clears A, then fails on B, and fails again until B answers.
        await a.command('DEL', markerOfA);
        await b.command('ACL', 'SETUSER', 'default', '-info');
        try {
          // The cache's connection to A ends: trust is withdrawn and the probe runs.
          const ours = String(await a.command('CLIENT', 'LIST'))
            .split('\n')
            .filter((line) => line.includes(' name=clears-test '));
          expect(ours.length).toBeGreaterThan(0);
          for (const line of ours) await a.command('CLIENT', 'KILL', 'ID', /^id=(\d+)/.exec(line)?.[1] ?? '');
          await until(
            async () => (await a.command('GET', markerOfA)) !== null,
            20_000,
            'A to be cleared and marked again',
          );
          expect(own.health().breaker).toBe('open');
        } finally {
          await b.command('ACL', 'SETUSER', 'default', '+info');
        }
        await until(() => own.health().breaker === 'closed', 20_000, 'the cache to be trusted again');
        expect(own.health().datasetClears).toBe(clears + 1);
        const cleared = ownLogger.lines.filter((line) => line.message.includes('prefix cleared'));
        expect(cleared.at(-1)?.details).toMatchObject({ node: `${a.host}:${a.port}` });
      } finally {
        await own.close();
      }
    },
  );

  it('is built by createCacheService from REDIS_CLUSTER_NODES, near caches included', async () => {
    const settings = loadCacheSettings({ REDIS_CLUSTER_NODES: fixture.handle.nodesList, CACHE_KEY_PREFIX: 'built' });
    expect(settings.redis.clusterNodes?.nodes).toEqual(fixture.handle.seeds);
    const built = createCacheService(settings, { logger: new MemoryLogger() }) as CacheService;
    try {
      expect(await built.waitUntilReady(10_000)).toBe(true);
      expect(await put(built, 'hero:x', 'x', 60)).toBe(true);
      expect(await fixture.cluster.get('built:hero:x')).toBe('x');
    } finally {
      await built.close();
    }
    // Near caches there track every master in broadcast mode (near-cache*.test.ts test them).
    const near = createCacheService(
      loadCacheSettings({
        REDIS_CLUSTER_NODES: fixture.handle.nodesList,
        CACHE_KEY_PREFIX: 'near',
        CACHE_NEAR_CACHE_ENABLED: 'true',
      }),
      { logger: new MemoryLogger() },
    ) as CacheService;
    try {
      expect(await near.waitUntilReady(10_000)).toBe(true);
      expect(near.health().nearCache).toMatchObject({ enabled: true, mode: 'broadcast' });
    } finally {
      await near.close();
    }
  });
});
