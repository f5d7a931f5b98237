import type { Redis } from 'ioredis';
import { Gender, Language, type Hero } from '../../../../example/domain';
import { PrismaHeroRepository } from '../../../../example/infrastructure/prisma';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { startRedisServer, type RedisPersistence, type RedisServerHandle } from 'cachedrepo/testing';
import {
  nextMacrotask,
  openCacheInstance,
  openRawClient,
  StaleReads,
  untilDelivered,
  type CacheInstance,
} from '../../support/restore-kit';
import { until } from '../../../support/wait';

// Redis killed and restarted from its own files. A snapshot taken before a write still holds
// the entry the write invalidated: the invalidation reached Redis, Redis acknowledged it, and
// the restart brought the old entry back. The guarantee (REDIS_CACHE.md section 4) is about
// reads after the write returned, so every read after the write, through this instance and
// through a second, independent one (another application instance), must see the write,
// while the clients reconnect and after. The cache must still work afterwards: reads become
// hits again.
//
// RDB: the snapshot (SAVE) is from before the write, the restart loads it.
// AOF (appendfsync always): the file holds the invalidation too; this guards that the
// restart is handled without losing freshness or the cache.

const CYCLES = 5;

describe.each<RedisPersistence>(['rdb', 'aof'])('Redis restarted from its %s files after a write', (persistence) => {
  let db: TestDatabase;
  let plain: PrismaHeroRepository;
  let server: RedisServerHandle;
  let raw: Redis;
  let instances: CacheInstance[];
  let hero: Hero;
  let version: number;

  beforeAll(() => {
    db = createTestDatabase();
    plain = new PrismaHeroRepository(db.prisma);
  });
  afterAll(() => db.close());

  beforeEach(async () => {
    server = await startRedisServer({ persistence });
    raw = await openRawClient(server.url);
    instances = [await openCacheInstance(server.url, plain), await openCacheInstance(server.url, plain)];
    hero = await plain.save({
      name: `Restored ${persistence} ${Date.now()}`,
      language: Language.Spanish,
      gender: Gender.Other,
      description: 'v0',
    });
    version = 0;
  });
  afterEach(async () => {
    await Promise.all(instances.map((instance) => instance.close()));
    raw.disconnect();
    await server.stop();
  });

  /** Reads the hero by id and through its language list on every instance, checked against the last completed write. */
  async function readEverywhere(reads: StaleReads, phase: string): Promise<void> {
    const expected = `v${version}`;
    await Promise.all(
      instances.map(async (instance, index) => {
        reads.check(`${phase}: findById on instance ${index + 1}`, expected, await instance.heroes.findById(hero.id));
        reads.checkList(
          `${phase}: findByLanguage on instance ${index + 1}`,
          expected,
          await instance.heroes.findByLanguage(Language.Spanish),
          hero.id,
        );
      }),
    );
  }

  const totalHits = (instance: CacheInstance): number => instance.heroes.getCacheStats().hits;
  const settled = (): boolean =>
    instances.every((instance) => instance.redis.status === 'ready' && instance.cache.health().breaker === 'closed');

  /**
   * Reads until every instance served a read from Redis: the cache works (and holds the current version, if it is
   * correct).
   */
  async function untilEveryInstanceHits(reads: StaleReads, phase: string): Promise<void> {
    const before = instances.map(totalHits);
    await until(
      async () => {
        await readEverywhere(reads, phase);
        return instances.every((instance, index) => totalHits(instance) > (before[index] ?? 0));
      },
      10_000,
      `${phase}: reads through every instance to hit the cache again`,
    );
  }

  it(
    `every read after the write sees it, through both instances, over ${CYCLES} kill and ` +
      `restart cycles; the cache hits again after each`,
    async () => {
      const reads = new StaleReads();
      for (let cycle = 1; cycle <= CYCLES; cycle += 1) {
        // The current version is in Redis, then on disk.
        await untilEveryInstanceHits(reads, `cycle ${cycle} before the write`);
        await raw.save();

        // The write, alternately through each instance; its invalidation reached Redis.
        const writer = instances[cycle % 2] as CacheInstance;
        await writer.heroes.update(hero.id, { description: `v${version + 1}` });
        version += 1;
        await untilDelivered(writer);

        server.signal('SIGKILL');
        let restarted = false;
        const restarting = server.restart().then(() => {
          restarted = true;
        });
        // Reads while Redis is down and while it loads its files.
        while (!restarted) {
          await readEverywhere(reads, `cycle ${cycle} while Redis restarts`);
          await nextMacrotask();
        }
        await restarting;

        // Reads while the clients reconnect, until every connection is ready and in use again.
        await until(
          async () => {
            await readEverywhere(reads, `cycle ${cycle} while reconnecting`);
            await nextMacrotask();
            return settled();
          },
          10_000,
          'every cache connection to be ready with its breaker closed',
        );
        for (let i = 0; i < 10; i += 1) await readEverywhere(reads, `cycle ${cycle} after reconnecting`);

        // Things settled: the cache is used again.
        await untilEveryInstanceHits(reads, `cycle ${cycle} after the restart`);
      }
      expect(reads.reads).toBeGreaterThan(CYCLES * 4 * 10);
      expect({ stale: reads.stale.length, examples: reads.stale.slice(0, 6) }).toEqual({ stale: 0, examples: [] });
    },
    90_000,
  );
});
