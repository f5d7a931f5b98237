import { CachedRepository } from '../../../src/cache/cached-repository';
import type { CacheService } from '../../../src/cache/cache-service';
import { Gender, Language, type Hero } from '../../../src/domain';
import { PrismaHeroRepository } from '../../../src/infrastructure/prisma';
import type { HeroRepository } from '../../../src/repositories';
import { HeroCacheStrategy } from '../../../src/strategies';
import { connectCache } from '../../support/cache';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { startRedisServer, type RedisServerHandle } from '../../support/redis-server';

// DESIGN.md rule 4: a cached read returns exactly what the base repository would have returned.
// The Prisma repository returns a repeated id once, at its first position (orderByIds).
describe('findByIds with repeated ids, cached vs plain', () => {
  let server: RedisServerHandle;
  let cache: CacheService;
  let db: TestDatabase;

  beforeAll(async () => {
    server = await startRedisServer();
    ({ cache } = await connectCache(server.url));
    db = createTestDatabase();
  });
  afterAll(async () => {
    await cache.close();
    await db.close();
    await server.stop();
  });

  it('returns each hero once, at its first position, as the base does, cold and warm', async () => {
    const plain = new PrismaHeroRepository(db.prisma);
    const a = await plain.save({ name: 'Castor', language: Language.Greek, gender: Gender.Male, description: null });
    const b = await plain.save({ name: 'Pollux', language: Language.Greek, gender: Gender.Male, description: null });
    const heroes = CachedRepository.wrap<Hero, HeroRepository>(plain, new HeroCacheStrategy(), cache);
    const ids = [b.id, a.id, b.id, 'missing', a.id, 'missing'];

    const expected = (await plain.findByIds(ids)).map((hero) => hero.id);
    expect(expected).toEqual([b.id, a.id]);
    expect((await heroes.findByIds(ids)).map((hero) => hero.id)).toEqual(expected);
    expect((await heroes.findByIds(ids)).map((hero) => hero.id)).toEqual(expected);
  });
});
