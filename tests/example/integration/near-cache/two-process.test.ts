import { Gender, Language } from '../../../../example/domain';
import { PrismaHeroRepository } from '../../../../example/infrastructure/prisma';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';
import { startCacheWorker, type CacheWorker } from '../../support/worker-process';
import { sleep } from '../../../support/wait';
import { untilWorkerNearHit, untilWorkerTracking } from '../../support/worker-near-cache';

/** A hero as it crosses the worker's JSON protocol. */
interface WireHero {
  id: string;
  name: string;
  description: string | null;
}

/**
 * The bound REDIS_CACHE.md states for another process's near cache: a write that returned this
 * long ago is never served stale by it (CACHE_NEAR_CACHE_MAX_STALENESS, default 250 ms), because
 * a near cache serves only while a heartbeat PING sent less than that long ago has been answered,
 * and Redis answers it after every invalidation it queued before.
 */
const STATED_BOUND_MS = 250;

// Near-cache coherence across two processes (cache workers: own Prisma connection, own Redis
// connections, own near cache), in both directions.
describe('near caches of two processes sharing one Redis', () => {
  let server: RedisServerHandle;
  let db: TestDatabase;
  const workers: CacheWorker[] = [];
  let heroId: string;

  beforeAll(async () => {
    server = await startRedisServer();
    db = createTestDatabase();
    heroId = (
      await new PrismaHeroRepository(db.prisma).save({
        name: 'Cadmus',
        language: Language.Greek,
        gender: Gender.Male,
        description: 'v0',
      })
    ).id;
    const started = await Promise.allSettled([
      startCacheWorker('A', server.url, db.url),
      startCacheWorker('B', server.url, db.url),
    ]);
    for (const result of started) if (result.status === 'fulfilled') workers.push(result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  }, 60_000);
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.kill()));
    await db?.close();
    await server?.stop();
  });

  const findById = async (worker: CacheWorker): Promise<WireHero> =>
    (await worker.request('findById', heroId)) as WireHero;

  /** Reads until `worker` answers from its near cache; returns that answer. */
  const nearHit = (worker: CacheWorker): Promise<WireHero> => untilWorkerNearHit(worker, () => findById(worker));

  it(
    "a write in one process is seen by the other's near cache once the stated bound has " + 'passed, both directions',
    async () => {
      const [a, b] = workers as [CacheWorker, CacheWorker];
      for (const worker of workers) await untilWorkerTracking(worker);
      for (let round = 1; round <= 8; round += 1) {
        const [writer, reader] = round % 2 === 0 ? [a, b] : [b, a];
        // The reader serves the current version from its near cache...
        expect((await nearHit(reader)).description).toBe(`v${round - 1}`);
        await writer.request('update', heroId, { description: `v${round}` });
        // ...and, once the bound has passed, never again.
        await sleep(STATED_BOUND_MS);
        expect((await findById(reader)).description).toBe(`v${round}`);
        expect((await findById(writer)).description).toBe(`v${round}`);
      }
    },
  );

  it('no Redis errors in either process', async () => {
    for (const worker of workers) expect(((await worker.request('stats')) as { errors: number }).errors).toBe(0);
  });
});
