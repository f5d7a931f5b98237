import type { Redis } from 'ioredis';
import { CacheService } from 'cachedrepo';
import { CachedRepository, type Cached } from 'cachedrepo';
import { createRedisClient } from 'cachedrepo';
import { CefrLevel, Gender, Language, type Hero } from '../../../example/domain';
import { PrismaDeckRepository, PrismaHeroRepository } from '../../../example/infrastructure/prisma';
import type { HeroRepository } from '../../../example/repositories';
import { deckCacheStrategy, heroCacheStrategy } from '../../../example/strategies';
import { MemoryLogger, useRedisCache } from '../../support/cache';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { freePort, type RedisServerHandle } from 'cachedrepo/testing';

describe('with Redis down, every read and write is served by the database', () => {
  let db: TestDatabase;
  let plain: PrismaHeroRepository;
  let heroes: Hero[];

  beforeAll(async () => {
    db = createTestDatabase();
    plain = new PrismaHeroRepository(db.prisma);
    heroes = [];
    for (const [name, language] of [
      ['Perseus', Language.Greek],
      ['Beowulf', Language.English],
      ['Siegfried', Language.German],
    ] as const) {
      heroes.push(await plain.save({ name, language, gender: Gender.Male, description: null }));
    }
  });
  afterAll(() => db.close());

  async function expectCorrectReads(repository: Cached<HeroRepository>): Promise<void> {
    for (const hero of heroes) expect(await repository.findById(hero.id)).toStrictEqual(await plain.findById(hero.id));
    expect(await repository.findByLanguage(Language.Greek)).toStrictEqual(await plain.findByLanguage(Language.Greek));
    expect(await repository.findByIds(heroes.map((hero) => hero.id))).toStrictEqual(
      await plain.findByIds(heroes.map((hero) => hero.id)),
    );
    expect(await repository.findAll()).toStrictEqual(await plain.findAll());
  }

  it('when Redis was never reachable', async () => {
    const redis = createRedisClient({ url: `redis://127.0.0.1:${await freePort()}`, connectTimeoutMs: 200 });
    redis.on('error', () => undefined);
    const cache = new CacheService(redis, { logger: new MemoryLogger() });
    const repository = CachedRepository.wrap(plain, heroCacheStrategy(), cache);
    await expectCorrectReads(repository);
    const renamed = await repository.update(heroes[0]!.id, { description: 'son of Danae' });
    expect((await repository.findById(renamed.id))?.description).toBe('son of Danae');
    heroes[0] = renamed;
    // Never validated, the cache was never trusted: no command was even sent.
    expect(cache.health()).toMatchObject({ breaker: 'open', errors: 0 });
    expect(cache.health().bypassed).toBeGreaterThan(0);
    expect(repository.getCacheStats().hits).toBe(0);
    await cache.close();
  });

  describe('when the redis-server is killed while in use', () => {
    let server: RedisServerHandle;
    let redis: Redis;
    let cache: CacheService;
    const fixture = useRedisCache({ flushBeforeEach: false });
    beforeAll(() => ({ server, redis, cache } = fixture));

    it('reads fall back to the database, then use the cache again once it is back', async () => {
      const repository = CachedRepository.wrap(plain, heroCacheStrategy(), cache);
      const decks = CachedRepository.wrap(new PrismaDeckRepository(db.prisma), deckCacheStrategy(), cache);
      await expectCorrectReads(repository);
      server.signal('SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 100));
      await expectCorrectReads(repository);
      const deck = await decks.save({ name: 'Down deck', description: null, level: CefrLevel.A2, isActive: true });
      expect(await decks.findWithCards(deck.id)).toMatchObject({ name: 'Down deck', cards: [] });

      await server.restart();
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(redis.status).toBe('ready');
      const before = repository.getCacheStats().hits;
      await expectCorrectReads(repository);
      await expectCorrectReads(repository);
      expect(repository.getCacheStats().hits).toBeGreaterThan(before);
    });
  });
});
