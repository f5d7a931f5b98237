import type { Redis } from 'ioredis';
import { CachedRepository, type CacheService } from 'cachedrepo';
import { Gender, Language, type Hero } from '../../../../example/domain';
import { PrismaHeroRepository } from '../../../../example/infrastructure/prisma';
import type { HeroRepository } from '../../../../example/repositories';
import { heroCacheStrategy } from '../../../../example/strategies';
import { useRedisCache } from '../../../support/cache';
import { useTestDatabase, type TestDatabase } from '../../support/database';

/**
 * `invalidateCache(id)` after a write made outside the repositories (REDIS_CACHE.md section 3): it clears the query
 * keys of the state the database holds now and of the state cached at the entity's key (the state the lists were
 * filled with); a list of an older state whose entity entry is gone keeps it until its TTL.
 */
describe('invalidateCache(id) after a write made outside the repositories', () => {
  let redis: Redis;
  let cache: CacheService;
  let db: TestDatabase;
  let heroes: ReturnType<typeof CachedRepository.wrap<Hero, HeroRepository>>;
  let plain: PrismaHeroRepository;

  const redisFixture = useRedisCache();
  const dbFixture = useTestDatabase();
  beforeAll(() => {
    ({ redis, cache } = redisFixture);
    db = dbFixture.db;
    plain = new PrismaHeroRepository(db.prisma);
    heroes = CachedRepository.wrap<Hero, HeroRepository>(plain, heroCacheStrategy({ nearCache: null }), cache);
  });

  /** One statement with `?` placeholders, as another service would write it, not through a repository. */
  const rawSql = async (sql: string, ...values: unknown[]): Promise<void> => {
    let placeholder = 0;
    const text = db.provider === 'postgresql' ? sql.replace(/\?/g, () => `$${(placeholder += 1)}`) : sql;
    await db.prisma.$executeRawUnsafe(text, ...values);
  };
  const present = async (...keys: string[]): Promise<string[]> => {
    const found: string[] = [];
    for (const key of keys) if ((await redis.exists(cache.fullKey(key))) === 1) found.push(key);
    return found;
  };
  const newHero = (name: string): Promise<Hero> =>
    plain.save({ name, language: Language.Spanish, gender: Gender.Female, description: null });

  it('clears the lists of the state the cache held and of the state the database holds', async () => {
    const hero = await newHero('Iphigenia');
    await heroes.findById(hero.id);
    expect((await heroes.findByLanguage(Language.Spanish)).map((h) => h.id)).toContain(hero.id);
    expect(await heroes.findByName('Iphigenia')).toHaveLength(1);
    expect(await heroes.findByLanguage(Language.French)).not.toContainEqual(expect.objectContaining({ id: hero.id }));
    await rawSql(`UPDATE "Hero" SET "language" = ?, "name" = ? WHERE "id" = ?`, 'fr', 'Iphigenie', hero.id);

    await heroes.invalidateCache(hero.id);

    expect(await present(`hero:${hero.id}`, 'hero:lang:es', 'hero:name:Iphigenia', 'hero:lang:fr')).toEqual([]);
    expect((await heroes.findByLanguage(Language.Spanish)).map((h) => h.id)).not.toContain(hero.id);
    expect((await heroes.findByLanguage(Language.French)).map((h) => h.id)).toContain(hero.id);
    expect(await heroes.findByName('Iphigenia')).toEqual([]);
  });

  it('clears the lists of a hero deleted outside, from its cached state', async () => {
    const hero = await newHero('Electra');
    await heroes.findById(hero.id);
    await heroes.findAll();
    expect((await heroes.findByName('Electra')).map((h) => h.id)).toEqual([hero.id]);
    await rawSql(`DELETE FROM "Hero" WHERE "id" = ?`, hero.id);

    await heroes.invalidateCache(hero.id);

    expect(await present(`hero:${hero.id}`, 'hero:name:Electra', 'hero:all')).toEqual([]);
    expect(await heroes.findByName('Electra')).toEqual([]);
    expect(await heroes.findById(hero.id)).toBeNull();
  });

  it('leaves a list of the old state when the entity entry was gone before the call (its stated limit)', async () => {
    const hero = await newHero('Cassandra');
    expect((await heroes.findByName('Cassandra')).map((h) => h.id)).toEqual([hero.id]);
    // Only the list was cached (the entity was never read by id, or its entry expired first).
    expect(await present(`hero:${hero.id}`)).toEqual([]);
    await rawSql(`UPDATE "Hero" SET "name" = ? WHERE "id" = ?`, 'Kassandra', hero.id);

    await heroes.invalidateCache(hero.id);

    expect(await present('hero:name:Cassandra')).toEqual(['hero:name:Cassandra']);
    expect((await heroes.findByName('Cassandra')).map((h) => h.name)).toEqual(['Cassandra']);
    // What clears it: invalidateCache() without an id (SCAN), the TTL, or change capture (section 16).
    await heroes.invalidateCache();
    expect(await heroes.findByName('Cassandra')).toEqual([]);
  });
});
