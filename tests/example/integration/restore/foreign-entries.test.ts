import type { Redis } from 'ioredis';
import { SuperJSON } from 'superjson';
import { Gender, Language, type Hero } from '../../../../example/domain';
import { PrismaHeroRepository } from '../../../../example/infrastructure/prisma';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';
import { openCacheInstance, openRawClient, type CacheInstance } from '../../support/restore-kit';
import { until } from '../../../support/wait';

// Keys the cache did not write the way it reads them: written by another tool, an older
// release, or another entity's code. Values are written raw, as today's superjson serializer
// writes them (what a foreign or older writer would leave), not through the cache under test,
// whose own entry format may change. The cache must answer what the database answers, treat
// such a key as a bad entry (counted, replaced by the next store), and not as a Redis outage.

describe('keys the cache cannot use as they are', () => {
  let db: TestDatabase;
  let plain: PrismaHeroRepository;
  let server: RedisServerHandle;
  let raw: Redis;
  let instance: CacheInstance;

  beforeAll(async () => {
    db = createTestDatabase();
    plain = new PrismaHeroRepository(db.prisma);
    server = await startRedisServer();
    raw = await openRawClient(server.url);
  });
  afterAll(async () => {
    raw.disconnect();
    await server.stop();
    await db.close();
  });

  beforeEach(async () => {
    await raw.flushall();
    // A generous command timeout: nothing here needs a fast one, and a timeout on a loaded
    // machine must not count as the failure the breaker assertions look for.
    instance = await openCacheInstance(server.url, plain, { commandTimeoutMs: 2000 });
  });
  afterEach(() => instance.close());

  const newHero = (language: Language, label: string): Promise<Hero> =>
    plain.save({ name: `${label} ${Date.now()} ${Math.random()}`, language, gender: Gender.Other, description: label });
  const stats = (): ReturnType<CacheInstance['heroes']['getCacheStats']> => instance.heroes.getCacheStats();

  /** The key this test overwrites is the one the cache uses: reading stores it (else the test would prove nothing). */
  async function expectCacheUses(key: string, read: () => Promise<unknown>): Promise<void> {
    await until(
      async () => {
        await read();
        return (await raw.exists(key)) === 1;
      },
      10_000,
      `a read to store ${key}`,
    );
  }

  /** Reads until one is served from Redis (the hits counter grows); every read must equal `expected`. */
  function untilHit(read: () => Promise<unknown>, expected: unknown): Promise<void> {
    return until(
      async () => {
        const before = stats().hits;
        expect(await read()).toEqual(expected);
        return stats().hits > before;
      },
      10_000,
      'a read served from the cache',
    );
  }

  it(
    'a key of the wrong Redis type: the row from the database, counted and repaired, and the ' + 'breaker stays closed',
    async () => {
      const hero = await newHero(Language.Greek, 'typed');
      const other = await newHero(Language.Greek, 'other');
      const key = `cache:hero:${hero.id}`;
      await expectCacheUses(key, () => instance.heroes.findById(hero.id));
      await raw.del(key);
      await raw.hset(key, 'f', 'v');

      for (let i = 0; i < 10; i += 1) {
        expect(await instance.heroes.findById(hero.id)).toEqual(hero);
        expect(instance.cache.health().breaker).toBe('closed');
      }
      expect(instance.cache.health().breakerOpenings).toBe(0);
      expect(stats().corruptEntries).toBeGreaterThan(0);

      // Repaired: a later store replaced the hash with an entry, which is then served.
      await until(
        async () => {
          expect(await instance.heroes.findById(hero.id)).toEqual(hero);
          return (await raw.type(key)) === 'string';
        },
        10_000,
        `a read to replace the hash at ${key}`,
      );
      await untilHit(() => instance.heroes.findById(hero.id), hero);

      // Other keys are still served from Redis.
      await untilHit(() => instance.heroes.findById(other.id), other);
      expect(instance.cache.health().breakerOpenings).toBe(0);
    },
  );

  it('hero:all holding a number: findAll returns the heroes from the database', async () => {
    await newHero(Language.English, 'listed');
    await expectCacheUses('cache:hero:all', () => instance.heroes.findAll());
    await raw.set('cache:hero:all', '{"json":42}', 'EX', 600);

    const expected = await plain.findAll();
    expect(expected.length).toBeGreaterThan(0);
    expect(await instance.heroes.findAll()).toEqual(expected);
    expect(await instance.heroes.findAll()).toEqual(expected);
    expect(stats().corruptEntries).toBeGreaterThan(0);
  });

  it('an entity key holding null for a hero that exists: findById returns the hero, not null', async () => {
    const hero = await newHero(Language.English, 'present');
    const key = `cache:hero:${hero.id}`;
    await expectCacheUses(key, () => instance.heroes.findById(hero.id));
    await raw.set(key, '{"json":null}', 'EX', 600);

    expect(await instance.heroes.findById(hero.id)).toEqual(hero);
    expect(await instance.heroes.findById(hero.id)).toEqual(hero);
  });

  it(
    "a language list key holding another language's list: findByLanguage returns only heroes " + 'of its language',
    async () => {
      await newHero(Language.German, 'deutsch');
      await newHero(Language.French, 'français');
      await newHero(Language.French, 'français 2');
      const key = `cache:hero:lang:${Language.German}`;
      await expectCacheUses(key, () => instance.heroes.findByLanguage(Language.German));
      await raw.set(key, SuperJSON.stringify(await plain.findByLanguage(Language.French)), 'EX', 600);

      const expected = await plain.findByLanguage(Language.German);
      for (let i = 0; i < 2; i += 1) {
        const found = await instance.heroes.findByLanguage(Language.German);
        expect(found.map((hero) => hero.language)).toEqual(expected.map(() => Language.German));
        expect(found).toEqual(expected);
      }
    },
  );
});
