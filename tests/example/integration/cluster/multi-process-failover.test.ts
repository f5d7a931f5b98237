import type { Cluster } from 'ioredis';
import { keySlot } from '../../../../src/redis/cluster/key-slot';
import { refreshSlotMap } from '../../../../src/redis/cluster/masters';
import { Gender, Language, type Hero } from '../../../../example/domain';
import { PrismaHeroRepository } from '../../../../example/infrastructure/prisma';
import { heroCacheStrategy } from '../../../../example/strategies';
import { standaloneView } from '../../support/cluster-cache-fixture';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { auditHeroCache } from '../../support/hero-cache-audit';
import { KeyedMutex } from '../../support/keyed-mutex';
import { mulberry32, seedFromEnv } from '../../support/random';
import { startTestRedis, type TestRedis } from '../../support/test-redis';
import { startCacheWorker, type CacheWorker } from '../../support/worker-process';
import { versionDescription, WriteLog } from '../../support/write-log';
import { sleep, until } from '../../../support/wait';

const WORKERS = 4;
const HEROES = 24;
/** Milliseconds of load before and after the failover (bounded: the test ends whatever the machine's speed). */
const LOAD_MS = 3000;

interface WireHero {
  id: string;
  description: string | null;
}

const versionIn = (hero: WireHero | null): number =>
  Number(/^v(\d+)$/.exec(hero?.description ?? '')?.[1] ?? Number.NaN);

// Issue 10, item 7: four application processes (own cluster client, CacheService with the
// outbox, Prisma connection) share a Redis Cluster of 3 masters with a replica each and one
// SQLite file. The test process drives a mixed load through them for a bounded time and
// crashes one master in the middle (SIGKILL; its replica is elected). Checked: no read that
// began after a write had returned saw an older version (whichever process wrote and read),
// and once the load stops and every process trusts the cluster again, every cached hero entry
// equals the database.
describe('four processes on a Redis Cluster through a master crash', () => {
  let redis: TestRedis;
  let db: TestDatabase;
  let client: Cluster;
  const workers: CacheWorker[] = [];

  beforeAll(async () => {
    redis = await startTestRedis('cluster');
    db = createTestDatabase();
    client = (await redis.connect(2000)) as Cluster;
    const env = {
      REDIS_CLUSTER_NODES: redis.env.REDIS_CLUSTER_NODES as string,
      NEAR_CACHE: 'off' as const,
      CACHE_OUTBOX: 'on' as const,
      CACHE_COMMAND_TIMEOUT_MS: '500',
      CACHE_BREAKER_PROBE_MS: '100',
    };
    const started = await Promise.allSettled(
      Array.from({ length: WORKERS }, (_, index) =>
        startCacheWorker(`P${index}`, redis.url, db.url, { env, timeoutMs: 30_000 }),
      ),
    );
    for (const result of started) if (result.status === 'fulfilled') workers.push(result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  }, 120_000);
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.kill()));
    client?.disconnect();
    await db?.close();
    await redis?.stop();
  });

  it(
    'no read after a completed write returns older data, and afterwards every cached key ' + 'equals the database',
    async () => {
      const plain = new PrismaHeroRepository(db.prisma);
      const heroes: Hero[] = [];
      for (let index = 0; index < HEROES; index += 1)
        heroes.push(
          await plain.save({
            name: `H${index}`,
            language: index % 2 ? Language.English : Language.French,
            gender: Gender.Male,
            description: versionDescription(0),
          }),
        );
      const log = new WriteLog(heroes);
      const mutex = new KeyedMutex();
      const random = mulberry32(seedFromEnv('CLUSTER_FAILOVER_SEED'));
      const stale: string[] = [];
      let reads = 0;
      let writes = 0;
      let running = true;

      // Each loop: one operation at a time through a random process, 1 write in 4.
      const loop = async (): Promise<void> => {
        while (running) {
          const id = random.pick(heroes).id;
          const worker = random.pick(workers);
          if (random.chance(0.25)) {
            await mutex.run(id, async () => {
              const version = log.begin(id);
              const after = (await worker.request('update', id, { description: versionDescription(version) })) as Hero;
              log.complete(id, version, after);
              writes += 1;
            });
          } else {
            const completedBefore = log.snapshot().completed.get(id) ?? 0;
            const startedAt = Date.now();
            const hero = (await worker.request('findById', id)) as WireHero | null;
            reads += 1;
            if (!(versionIn(hero) >= completedBefore))
              stale.push(
                `${worker.name} read ${id} as ${hero?.description ?? 'null'} after v${completedBefore} ` +
                  `completed (read began at ${startedAt}, slot owner ` +
                  `${client.slots[keySlot(`cache:hero:${id}`)]?.[0] ?? '?'})`,
              );
          }
        }
      };
      const loops = Array.from({ length: 8 }, () => loop());
      await sleep(LOAD_MS);
      const cluster = redis.cluster as NonNullable<TestRedis['cluster']>;
      const failover = await cluster.failover(1, 'crash');
      await sleep(LOAD_MS);
      running = false;
      await Promise.all(loops);

      // Every process trusts the cluster again (every master validated, the outbox delivered).
      const deadline = performance.now() + 30_000;
      const left = (): number => deadline - performance.now();
      for (const worker of workers) {
        let health: unknown = null;
        await until(
          async () => ((health = await worker.request('health')) as { breaker: string }).breaker === 'closed',
          left(),
          `${worker.name} to trust the cluster within 30 s of the failover`,
          () => JSON.stringify(health),
        );
      }
      // The outbox delivered (its late UNLINKs would otherwise remove entries the reads below fill).
      await until(
        async () => (await db.prisma.cacheOutbox.count()) === 0,
        left(),
        'the outbox to be delivered within 30 s of the failover',
      );
      // Read every hero through every process, so entries exist on every master (the promoted one included).
      for (const worker of workers) for (const hero of heroes) await worker.request('findById', hero.id);

      const stats = (await Promise.all(workers.map((worker) => worker.request('stats')))) as {
        hits: number;
        misses: number;
      }[];
      const hits = stats.reduce((sum, stat) => sum + stat.hits, 0);
      if (process.env.CLUSTER_FAILOVER_REPORT)
        process.stderr.write(
          `${JSON.stringify({
            ...{ reads, writes, hits, failoverMs: failover.ms, killedAt: failover.startedAt },
            ...{ from: failover.from.port, to: failover.to.port, stale },
          })}\n`,
        );
      expect(stale).toEqual([]);
      // The cache was in use (a load served by the database alone would pass the check trivially).
      expect(hits).toBeGreaterThan(reads / 4);
      expect(reads).toBeGreaterThan(50);
      expect(writes).toBeGreaterThan(10);
      expect(failover.to.port).not.toBe(failover.from.port);
      await refreshSlotMap(client);
      const audit = await auditHeroCache(standaloneView(client), 'cache', heroCacheStrategy().serializer, plain);
      expect(audit.mismatches).toEqual([]);
      expect(audit.checked).toBeGreaterThanOrEqual(HEROES);
      for (const hero of heroes)
        expect(versionIn((await plain.findById(hero.id)) as WireHero)).toBe(log.snapshot().completed.get(hero.id));
    },
    120_000,
  );
});
