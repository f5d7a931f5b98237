import type { Redis } from 'ioredis';
import type { CacheService } from 'cachedrepo';
import { CachedRepository } from 'cachedrepo';
import { Gender, Language, type Hero } from '../../../../example/domain';
import { PrismaHeroRepository } from '../../../../example/infrastructure/prisma';
import type { HeroRepository } from '../../../../example/repositories';
import { heroCacheStrategy } from '../../../../example/strategies';
import { useRedisCache } from '../../../support/cache';
import { countCalls, gate } from '../../support/counting';
import { useTestDatabase } from '../../support/database';

describe('single-flight under failure and at scale', () => {
  let redis: Redis;
  let cache: CacheService;
  let plain: PrismaHeroRepository;
  const redisFixture = useRedisCache();
  const dbFixture = useTestDatabase();
  beforeAll(() => {
    ({ redis, cache } = redisFixture);
    plain = new PrismaHeroRepository(dbFixture.db.prisma);
  });

  it('a failing shared load rejects every waiter with the same error and caches nothing', async () => {
    const hero = await plain.save({ name: 'Icarus', language: Language.Greek, gender: Gender.Male, description: null });
    const entered = gate();
    const fail = gate();
    const failure = new Error('database unavailable');
    let failing = true;
    // A real repository whose findById fails, while `failing`, once the test says so.
    const flaky = Object.create(plain) as PrismaHeroRepository;
    flaky.findById = async (id) => {
      if (!failing) return plain.findById(id);
      entered.open();
      await fail.wait;
      throw failure;
    };
    const counted = countCalls(flaky);
    const heroes = CachedRepository.wrap<Hero, HeroRepository>(counted.repository, heroCacheStrategy(), cache);

    const readers = Array.from({ length: 100 }, () => heroes.findById(hero.id));
    await entered.wait;
    // Every reader sent its GET before the leader's load began; one more round trip on the same
    // connection (FIFO) and a macrotask let each of them reach the flight and join it.
    await redis.ping();
    await new Promise((resolve) => setImmediate(resolve));
    fail.open();
    const settled = await Promise.allSettled(readers);

    expect(counted.calls.findById).toBe(1);
    expect(settled.every((result) => result.status === 'rejected' && result.reason === failure)).toBe(true);
    expect(cache.flights.size).toBe(0);
    // Nothing cached: neither the hero nor a negative entry.
    expect(await redis.exists(`cache:hero:${hero.id}`)).toBe(0);

    failing = false;
    expect(await heroes.findById(hero.id)).toStrictEqual(hero);
    expect(counted.calls.findById).toBe(2);
    expect(await heroes.findById(hero.id)).toStrictEqual(hero);
    expect(counted.calls.findById).toBe(2);
  });

  it('1000 concurrent findByLanguage of a cold key make exactly one base query', async () => {
    const created = await Promise.all(
      ['Orpheus', 'Eurydice', 'Theseus'].map((name) =>
        plain.save({ name, language: Language.Spanish, gender: Gender.Other, description: name }),
      ),
    );
    const counted = countCalls(plain);
    const heroes = CachedRepository.wrap<Hero, HeroRepository>(counted.repository, heroCacheStrategy(), cache);
    const expected = await plain.findByLanguage(Language.Spanish);
    expect(expected.map((hero) => hero.id).sort()).toEqual(created.map((hero) => hero.id).sort());

    const results = await Promise.all(Array.from({ length: 1000 }, () => heroes.findByLanguage(Language.Spanish)));

    expect(counted.calls.findByLanguage).toBe(1);
    for (const result of results) expect(result).toStrictEqual(expected);
    expect(await redis.exists('cache:hero:lang:es')).toBe(1);
  });
});
