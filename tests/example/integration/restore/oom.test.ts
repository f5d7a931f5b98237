import type { Redis } from 'ioredis';
import { Gender, Language, type Hero } from '../../../../example/domain';
import { PrismaHeroRepository } from '../../../../example/infrastructure/prisma';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';
import {
  capMemory,
  fillUntilOom,
  openCacheInstance,
  openRawClient,
  StaleReads,
  type CacheInstance,
} from '../../support/restore-kit';
import { until } from '../../../support/wait';

// Redis under `maxmemory-policy noeviction` with its memory full: every command that may grow
// memory (SET among them) is refused with OOM, while GET still answers. An invalidation must
// not need memory to take effect: if the write's invalidation is refused, another instance
// keeps serving the entry from before the write, although Redis answered every command.

describe('noeviction with memory full', () => {
  let db: TestDatabase;
  let plain: PrismaHeroRepository;
  let server: RedisServerHandle;
  let raw: Redis;
  let reader: CacheInstance;
  let writer: CacheInstance;
  let hero: Hero;

  beforeAll(() => {
    db = createTestDatabase();
    plain = new PrismaHeroRepository(db.prisma);
  });
  afterAll(() => db.close());

  beforeEach(async () => {
    server = await startRedisServer();
    raw = await openRawClient(server.url);
    reader = await openCacheInstance(server.url, plain);
    writer = await openCacheInstance(server.url, plain);
    await capMemory(raw, 'noeviction');
    hero = await plain.save({
      name: `Full ${Date.now()}`,
      language: Language.French,
      gender: Gender.Female,
      description: 'v0',
    });
  });
  afterEach(async () => {
    await reader.close();
    await writer.close();
    raw.disconnect();
    await server.stop();
  });

  it(
    "a write through one instance reaches the other's cached entry and list: its next reads " +
      'are fresh, and the write does not fail',
    async () => {
      // Instance 1 caches the hero and its language list: reads until both are hits.
      await until(
        async () => {
          const before = reader.heroes.getCacheStats().hits;
          await reader.heroes.findById(hero.id);
          await reader.heroes.findByLanguage(Language.French);
          return reader.heroes.getCacheStats().hits === before + 2;
        },
        10_000,
        'the hero and its list to be served from the cache',
      );

      await fillUntilOom(raw);
      await expect(raw.set('probe:oom', 'x')).rejects.toThrow(/OOM/);
      // GET still answers: the old entry is readable.
      expect(await raw.get(`cache:hero:${hero.id}`)).not.toBeNull();

      await expect(writer.heroes.update(hero.id, { description: 'v1' })).resolves.toMatchObject({
        id: hero.id,
        description: 'v1',
      });

      const reads = new StaleReads();
      for (let i = 0; i < 3; i += 1) {
        reads.check(`read ${i + 1}: findById on the other instance`, 'v1', await reader.heroes.findById(hero.id));
        reads.checkList(
          `read ${i + 1}: findByLanguage on the other instance`,
          'v1',
          await reader.heroes.findByLanguage(Language.French),
          hero.id,
        );
        reads.check(`read ${i + 1}: findById on the writer's instance`, 'v1', await writer.heroes.findById(hero.id));
        reads.checkList(
          `read ${i + 1}: findByLanguage on the writer's instance`,
          'v1',
          await writer.heroes.findByLanguage(Language.French),
          hero.id,
        );
      }
      expect({ stale: reads.stale.length, examples: reads.stale.slice(0, 6) }).toEqual({ stale: 0, examples: [] });
    },
  );
});
