import type { Redis } from 'ioredis';
import { Gender, Language, type Hero } from '../../../../example/domain';
import { PrismaHeroRepository } from '../../../../example/infrastructure/prisma';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { withHeldLoads, type HoldingRepository } from '../../support/held-load';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';
import {
  capMemory,
  evictAll,
  openCacheInstance,
  openRawClient,
  StaleReads,
  untilDelivered,
  type CacheInstance,
} from '../../support/restore-kit';

// The stale-set race with the write's trace lost. Reader R (instance 1) misses and loads the
// old row; its load is held. A writer (instance 2) updates the hero: its invalidation reaches
// Redis. Then everything the cache wrote for that hero is lost before R stores, by eviction
// (memory full, other traffic) or FLUSHALL. R's load returns the row from before the write;
// whatever R does with it, a read that starts after R returned must see the write.

const ROUNDS = 4;

type Loss = { kind: 'eviction'; policy: 'allkeys-lru' | 'volatile-lru' } | { kind: 'flushall' };

const losses: [string, Loss][] = [
  ['evicted under allkeys-lru', { kind: 'eviction', policy: 'allkeys-lru' }],
  ['evicted under volatile-lru', { kind: 'eviction', policy: 'volatile-lru' }],
  ['removed by FLUSHALL', { kind: 'flushall' }],
];

describe.each(losses)('the cache keys of a write %s while an older load is held', (_name, loss) => {
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
    // Capped once every connection is open, so the cap is a little above what they use.
    if (loss.kind === 'eviction') await capMemory(raw, loss.policy);
  });
  afterEach(async () => {
    await reader.close();
    await writer.close();
    raw.disconnect();
    await server.stop();
  });

  /** Removes every key the cache wrote, the way this case loses them, and checks the hero's key is gone. */
  async function loseCacheKeys(hero: Hero): Promise<void> {
    const key = `cache:hero:${hero.id}`;
    if (loss.kind === 'flushall') await raw.flushall();
    // Under volatile-lru only keys with a TTL can be evicted: those are the ones to lose.
    else await evictAll(raw, 'cache:*', loss.policy === 'volatile-lru');
    expect(await raw.exists(key)).toBe(0);
  }

  it(`a read started after the held load returned sees the write (${ROUNDS} rounds, no stale read)`, async () => {
    const reads = new StaleReads();
    for (let round = 1; round <= ROUNDS; round += 1) {
      const hero = await plain.save({
        name: `Held ${round} ${Date.now()}`,
        language: Language.German,
        gender: Gender.Male,
        description: 'v0',
      });

      // R misses (the hero is new) and reads v0 from the database; its load is held.
      const hold = held.holdNextLoad(hero.id);
      const slowRead = reader.heroes.findById(hero.id);
      await hold.loaded;

      await writer.heroes.update(hero.id, { description: 'v1' });
      await untilDelivered(writer);

      await loseCacheKeys(hero);

      // R returns what it read before the write: allowed, it started before the write.
      hold.release();
      expect((await slowRead)?.id).toBe(hero.id);

      // Reads that start now must see v1, through both instances, twice (a second read may be a hit).
      for (let i = 0; i < 2; i += 1) {
        reads.check(
          `round ${round}, read ${i + 1}: findById on the reader's instance`,
          'v1',
          await reader.heroes.findById(hero.id),
        );
        reads.check(
          `round ${round}, read ${i + 1}: findById on the writer's instance`,
          'v1',
          await writer.heroes.findById(hero.id),
        );
      }
    }
    expect({ stale: reads.stale.length, examples: reads.stale.slice(0, 6) }).toEqual({ stale: 0, examples: [] });
  });
});
