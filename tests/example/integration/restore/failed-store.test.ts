import type { Redis } from 'ioredis';
import { Gender, Language } from '../../../../example/domain';
import { PrismaHeroRepository } from '../../../../example/infrastructure/prisma';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { withHeldLoads, type HoldingRepository } from '../../support/held-load';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';
import {
  capMemory,
  drainConnection,
  fillUntilOom,
  openCacheInstance,
  openRawClient,
  StaleReads,
  untilDelivered,
  type CacheInstance,
} from '../../support/restore-kit';

// A reader that joins a load already under way in its process. Reader R (instance 1) misses
// and loads the old row; its load is held. A writer (instance 2, another process as far as
// instance 1 knows) updates the hero. Then reader J starts in R's process: its miss joins R's
// load. R's store then fails with a Redis error, which proves nothing about writes since R
// began. J started after the write returned, so J must return the write's row.
//
// How the store fails:
// - writes paused (CLIENT PAUSE WRITE): the store, a write, is held by Redis past the command
//   timeout, while reads still answer. The test checks the failure was counted.
// - memory full under noeviction: a store that writes is refused with OOM. (A store that
//   first finds the key changed never writes, so this case may end as "changed"; it guards
//   that the joiner is fresh either way.)

const ROUNDS = 3;

type StoreFault = 'writes paused' | 'memory full';

describe.each<StoreFault>(['writes paused', 'memory full'])('a joiner of a load whose store fails (%s)', (fault) => {
  let db: TestDatabase;
  let plain: PrismaHeroRepository;
  let held: HoldingRepository<PrismaHeroRepository>;
  let server: RedisServerHandle;
  let raw: Redis;
  let reader: CacheInstance;
  let writer: CacheInstance;

  beforeAll(() => {
    db = createTestDatabase();
    plain = new PrismaHeroRepository(db.prisma);
  });
  afterAll(() => db.close());

  beforeEach(async () => {
    server = await startRedisServer();
    raw = await openRawClient(server.url);
    held = withHeldLoads(plain);
    reader = await openCacheInstance(server.url, held.repository);
    writer = await openCacheInstance(server.url, plain);
  });
  afterEach(async () => {
    await reader.close();
    await writer.close();
    raw.disconnect();
    await server.stop();
  });

  /** Makes the next store fail; returns how to undo it. */
  async function breakStores(): Promise<() => Promise<void>> {
    if (fault === 'writes paused') {
      await raw.call('CLIENT', 'PAUSE', '20000', 'WRITE');
      return async () => void (await raw.call('CLIENT', 'UNPAUSE'));
    }
    await capMemory(raw, 'noeviction');
    await fillUntilOom(raw);
    await expect(raw.set('probe:oom', 'x')).rejects.toThrow(/OOM/);
    return async () => {
      await raw.config('SET', 'maxmemory', '0');
      await raw.flushall();
    };
  }

  it(`returns the write's row, not the row the shared load read before it (${ROUNDS} rounds)`, async () => {
    const reads = new StaleReads();
    for (let round = 1; round <= ROUNDS; round += 1) {
      const hero = await plain.save({
        name: `Joined ${round} ${Date.now()}`,
        language: Language.Russian,
        gender: Gender.Female,
        description: 'v0',
      });

      const hold = held.holdNextLoad(hero.id);
      const first = reader.heroes.findById(hero.id);
      await hold.loaded;

      await writer.heroes.update(hero.id, { description: 'v1' });
      await untilDelivered(writer);

      // J starts after the write returned; every reply it waits for from Redis arrives
      // before the test goes on, so it has joined R's load (or started its own).
      const joiner = reader.heroes.findById(hero.id);
      await drainConnection(reader.redis);

      const errorsBefore = reader.cache.health().errors;
      const restore = await breakStores();
      try {
        hold.release();
        expect((await first)?.id).toBe(hero.id);
        reads.check(`round ${round}: the joiner`, 'v1', await joiner);
        // Paused writes: the store waited out its command timeout, a Redis failure.
        if (fault === 'writes paused') expect(reader.cache.health().errors).toBeGreaterThan(errorsBefore);
      } finally {
        await restore();
      }
      reads.check(`round ${round}: a later read on the reader's instance`, 'v1', await reader.heroes.findById(hero.id));
      reads.check(`round ${round}: a later read on the writer's instance`, 'v1', await writer.heroes.findById(hero.id));
    }
    expect({ stale: reads.stale.length, examples: reads.stale.slice(0, 6) }).toEqual({ stale: 0, examples: [] });
  });
});
