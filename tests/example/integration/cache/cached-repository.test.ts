import type { Redis } from 'ioredis';
import { CacheService } from 'cachedrepo';
import { CachedRepository, type Cached } from 'cachedrepo';
import { CefrLevel, Gender, Language, Rating, StoryLength, type Hero } from '../../../../example/domain';
import {
  PrismaCardRepository,
  PrismaChildRepository,
  PrismaDeckRepository,
  PrismaHeroRepository,
  PrismaStoryRepository,
} from '../../../../example/infrastructure/prisma';
import type { HeroRepository } from '../../../../example/repositories';
import {
  cardCacheStrategy,
  childCacheStrategy,
  deckCacheStrategy,
  heroCacheStrategy,
  storyCacheStrategy,
} from '../../../../example/strategies';
import { connectCache, useRedisCache } from '../../../support/cache';
import { countCalls, gate } from '../../support/counting';
import { useTestDatabase, type TestDatabase } from '../../support/database';
import type { RedisServerHandle } from 'cachedrepo/testing';

describe('CachedRepository over Prisma and a real redis-server', () => {
  let server: RedisServerHandle;
  let redis: Redis;
  let cache: CacheService;
  let db: TestDatabase;
  let plainHeroes: PrismaHeroRepository;

  const redisFixture = useRedisCache();
  const dbFixture = useTestDatabase();
  beforeAll(() => {
    ({ server, redis, cache } = redisFixture);
    db = dbFixture.db;
    plainHeroes = new PrismaHeroRepository(db.prisma);
  });

  const newHero = (name: string, language = Language.English): Promise<Hero> =>
    plainHeroes.save({ name, language, gender: Gender.Male, description: `${name} the brave` });

  function cachedHeroes(strategy = heroCacheStrategy()) {
    const counted = countCalls(plainHeroes);
    return {
      heroes: CachedRepository.wrap<Hero, HeroRepository>(counted.repository, strategy, cache),
      calls: counted.calls,
    };
  }

  it('misses, then hits with an equal hero (Dates, enums, nulls), without a second query', async () => {
    const hero = await newHero('Ares');
    const { heroes, calls } = cachedHeroes();
    const first = await heroes.findById(hero.id);
    const second = await heroes.findById(hero.id);
    expect(first).toStrictEqual(hero);
    expect(second).toStrictEqual(hero);
    expect(second?.createdAt).toBeInstanceOf(Date);
    expect(calls.findById).toBe(1);
    expect(heroes.getCacheStats()).toMatchObject({ hits: 1, misses: 1, errors: 0, hitRatio: 0.5 });
    expect(await redis.exists(`cache:hero:${hero.id}`)).toBe(1);
  });

  it('sets the TTL of each strategy, read back from Redis', async () => {
    const child = await new PrismaChildRepository(db.prisma).save({
      name: 'Lena',
      age: 7,
      gender: Gender.Female,
      interests: ['cats'],
    });
    const deck = await new PrismaDeckRepository(db.prisma).save({
      name: 'Verbs',
      description: null,
      level: CefrLevel.B1,
      isActive: true,
    });
    const story = await new PrismaStoryRepository(db.prisma).save({
      title: 'T',
      content: 'C',
      language: Language.German,
      length: StoryLength.SHORT,
      childId: child.id,
      heroId: null,
      rating: new Rating(5),
      audioFile: null,
    });
    const hero = await newHero('Nike');
    const heroes = CachedRepository.wrap(plainHeroes, heroCacheStrategy(), cache);
    const children = CachedRepository.wrap(new PrismaChildRepository(db.prisma), childCacheStrategy(), cache);
    const stories = CachedRepository.wrap(new PrismaStoryRepository(db.prisma), storyCacheStrategy(), cache);
    const decks = CachedRepository.wrap(new PrismaDeckRepository(db.prisma), deckCacheStrategy(), cache);
    const cards = CachedRepository.wrap(new PrismaCardRepository(db.prisma), cardCacheStrategy(), cache);

    const expectations: [() => Promise<unknown>, string, number][] = [
      [() => heroes.findById(hero.id), `hero:${hero.id}`, 3600],
      [() => heroes.findByLanguage(Language.English), 'hero:lang:en', 3600],
      [() => children.findExact('Lena', 7, Gender.Female), `child:exact:Lena:7:female`, 1800],
      [() => stories.findByChildId(child.id), `story:child:${child.id}`, 600],
      [() => stories.findById(story.id), `story:${story.id}`, 600],
      [() => decks.findAll(), 'decks:list', 300],
      [() => decks.findByLevel(CefrLevel.B1), 'decks:list:level:B1', 300],
      [() => decks.findWithCards(deck.id), `decks:${deck.id}:full`, 600],
      [() => cards.findByDeckId(deck.id), `cards:deck:${deck.id}`, 300],
      [() => heroes.findById('no-such-hero'), 'hero:no-such-hero', 30],
    ];
    for (const [read, key, ttl] of expectations) {
      await read();
      const actual = await redis.ttl(`cache:${key}`);
      expect([key, actual]).toEqual([key, expect.any(Number)]);
      expect(actual).toBeGreaterThan(ttl - 3);
      expect(actual).toBeLessThanOrEqual(ttl);
    }
    expect((await stories.findById(story.id))?.rating).toBeInstanceOf(Rating);
  });

  it('expires entries after their TTL', async () => {
    const hero = await newHero('Eos');
    const { heroes, calls } = cachedHeroes(heroCacheStrategy({ ttlSeconds: 1 }));
    await heroes.findById(hero.id);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    await heroes.findById(hero.id);
    expect(calls.findById).toBe(2);
  });

  it('a language change clears the hero and both language lists; the next reads are correct', async () => {
    const hero = await newHero('Hermes', Language.English);
    const { heroes } = cachedHeroes();
    await heroes.findById(hero.id);
    expect((await heroes.findByLanguage(Language.English)).map((h) => h.id)).toContain(hero.id);
    expect((await heroes.findByLanguage(Language.French)).map((h) => h.id)).not.toContain(hero.id);
    await heroes.findAll();

    const updated = await heroes.update(hero.id, { language: Language.French });

    for (const key of [`hero:${hero.id}`, 'hero:lang:en', 'hero:lang:fr', 'hero:all'])
      expect(await redis.exists(cache.fullKey(key))).toBe(0);
    expect(updated.language).toBe(Language.French);
    expect((await heroes.findById(hero.id))?.language).toBe(Language.French);
    expect((await heroes.findByLanguage(Language.English)).map((h) => h.id)).not.toContain(hero.id);
    expect((await heroes.findByLanguage(Language.French)).map((h) => h.id)).toContain(hero.id);
    expect((await heroes.findAll()).find((h) => h.id === hero.id)?.language).toBe(Language.French);
  });

  it('a delete clears the hero and its lists; a create clears a cached absence', async () => {
    const hero = await newHero('Hades');
    const { heroes } = cachedHeroes();
    await heroes.findById(hero.id);
    await heroes.findByName('Hades');
    expect(await heroes.delete(hero.id)).toStrictEqual(hero);
    expect(await heroes.findById(hero.id)).toBeNull();
    expect(await heroes.findByName('Hades')).toEqual([]);

    expect(await heroes.findById('chosen-id')).toBeNull();
    expect(await redis.exists('cache:hero:chosen-id')).toBe(1);
    const created = await heroes.save({
      id: 'chosen-id',
      name: 'Hestia',
      language: Language.Greek,
      gender: Gender.Female,
      description: null,
    });
    expect(await heroes.findById('chosen-id')).toStrictEqual(created);
    expect(await heroes.delete('not-there')).toBeNull();
  });

  it('remembers an absent id (negative caching) so repeated lookups do not reach the database', async () => {
    const { heroes, calls } = cachedHeroes();
    for (let i = 0; i < 5; i += 1) expect(await heroes.findById('ghost')).toBeNull();
    expect(calls.findById).toBe(1);
  });

  it('findByIds: one MGET, one base call for the misses only, order kept, absent ids left out', async () => {
    const [a, b, c] = await Promise.all([newHero('A'), newHero('B'), newHero('C')]);
    const { heroes, calls } = cachedHeroes();
    await heroes.findById(b!.id);
    const found = await heroes.findByIds([c!.id, 'missing', b!.id, a!.id]);
    expect(found.map((h) => h.id)).toEqual([c!.id, b!.id, a!.id]);
    expect(calls.findByIds).toBe(1);
    const again = await heroes.findByIds([a!.id, b!.id, c!.id, 'missing']);
    expect(again.map((h) => h.name)).toEqual(['A', 'B', 'C']);
    expect(calls.findByIds).toBe(1);
  });

  // REDIS_CACHE.md, section 2 (entries): the Prisma repositories return a repeated id once, at its first position.
  it(
    'findByIds of repeated ids returns each hero once, at its first position, as the base ' + 'does, cold and warm',
    async () => {
      const plain = plainHeroes;
      const a = await plain.save({ name: 'Castor', language: Language.Greek, gender: Gender.Male, description: null });
      const b = await plain.save({ name: 'Pollux', language: Language.Greek, gender: Gender.Male, description: null });
      const { heroes } = cachedHeroes();
      const ids = [b.id, a.id, b.id, 'missing', a.id, 'missing'];

      const expected = (await plain.findByIds(ids)).map((hero) => hero.id);
      expect(expected).toEqual([b.id, a.id]);
      expect((await heroes.findByIds(ids)).map((hero) => hero.id)).toEqual(expected);
      expect((await heroes.findByIds(ids)).map((hero) => hero.id)).toEqual(expected);
    },
  );

  it('1000 concurrent reads of a cold key make exactly one database query (single-flight)', async () => {
    const hero = await newHero('Zeus');
    const { heroes, calls } = cachedHeroes();
    const results = await Promise.all(Array.from({ length: 1000 }, () => heroes.findById(hero.id)));
    expect(calls.findById).toBe(1);
    expect(results.every((result) => result?.id === hero.id)).toBe(true);
  });

  it('a load that read the old row before a write cannot store it afterwards (stale set)', async () => {
    const hero = await newHero('Apollo', Language.English);
    const loaded = gate();
    const release = gate();
    // The reader loads the old row, then pauses before returning it to the cache.
    const slowBase = Object.create(plainHeroes) as PrismaHeroRepository;
    slowBase.findById = async (id) => {
      const row = await plainHeroes.findById(id);
      loaded.open();
      await release.wait;
      return row;
    };
    const reader = CachedRepository.wrap(slowBase, heroCacheStrategy(), cache);
    const writer = CachedRepository.wrap(plainHeroes, heroCacheStrategy(), cache);

    const staleRead = reader.findById(hero.id);
    await loaded.wait;
    await writer.update(hero.id, { name: 'Apollo II' });
    release.open();
    expect((await staleRead)?.name).toBe('Apollo');

    expect((await writer.findById(hero.id))?.name).toBe('Apollo II');
    expect((await reader.findById(hero.id))?.name).toBe('Apollo II');
  });

  it('treats a corrupt entry as a miss, counts it and replaces it', async () => {
    const hero = await newHero('Athena');
    const { heroes } = cachedHeroes();
    await redis.set(`cache:hero:${hero.id}`, '{"json": not superjson', 'EX', 60);
    expect(await heroes.findById(hero.id)).toStrictEqual(hero);
    expect(heroes.getCacheStats().corruptEntries).toBe(1);
    expect(await heroes.findById(hero.id)).toStrictEqual(hero);
    expect(heroes.getCacheStats()).toMatchObject({ hits: 1, corruptEntries: 1 });
  });

  it('treats an entry of the wrong shape (another entity under this id) as corrupt', async () => {
    const [hero, other] = await Promise.all([newHero('Castor'), newHero('Pollux')]);
    const { heroes } = cachedHeroes();
    await redis.set(`cache:hero:${hero.id}`, heroCacheStrategy().serializer.serialize(other), 'EX', 60);
    expect(await heroes.findById(hero.id)).toStrictEqual(hero);
    expect(await heroes.findByIds([hero.id])).toStrictEqual([hero]);
    expect(heroes.getCacheStats().corruptEntries).toBe(1);
  });

  it('serves values larger than the maximum entry size from the database without caching them', async () => {
    const hero = await plainHeroes.save({
      name: 'Atlas',
      language: Language.Greek,
      gender: Gender.Male,
      description: 'x'.repeat(5000),
    });
    // A cache service of its own, on its own connection (a cluster client in the redis-cluster pass), closed at the end
    // (it also holds the near cache's subscriber).
    const { cache: small } = await connectCache(server.url, { maxEntryBytes: 1024 });
    try {
      expect(await small.waitUntilReady()).toBe(true);
      const counted = countCalls(plainHeroes);
      const heroes = CachedRepository.wrap<Hero, HeroRepository>(counted.repository, heroCacheStrategy(), small);
      expect(await heroes.findById(hero.id)).toStrictEqual(hero);
      expect(await heroes.findById(hero.id)).toStrictEqual(hero);
      expect(counted.calls.findById).toBe(2);
      expect(await redis.exists(`cache:hero:${hero.id}`)).toBe(0);
      expect(heroes.getCacheStats()).toMatchObject({ oversized: 2, hits: 0 });
    } finally {
      await small.close();
    }
  });

  it('invalidates by hand: one id with its lists, or the whole entity type', async () => {
    const hero = await newHero('Ariadne', Language.Spanish);
    const { heroes }: { heroes: Cached<HeroRepository> } = cachedHeroes();
    await heroes.findById(hero.id);
    await heroes.findByLanguage(Language.Spanish);
    await redis.set('cache:decks:list', 'other entity');
    await heroes.invalidateCache(hero.id);
    expect(await redis.exists(cache.fullKey(`hero:${hero.id}`))).toBe(0);
    expect(await redis.exists(cache.fullKey('hero:lang:es'))).toBe(0);

    await heroes.findById(hero.id);
    await heroes.findAll();
    await heroes.invalidateCache();
    expect(await redis.keys('cache:hero:*')).toEqual([]);
    expect(await redis.get('cache:decks:list')).toBe('other entity');
  });

  it('writes reach the database even when the cache write fails afterwards', async () => {
    const { heroes } = cachedHeroes();
    const hero = await newHero('Demeter');
    await heroes.findById(hero.id);
    server.signal('SIGSTOP');
    try {
      const updated = await heroes.update(hero.id, { description: 'harvest' });
      expect(updated.description).toBe('harvest');
    } finally {
      server.signal('SIGCONT');
    }
    expect((await plainHeroes.findById(hero.id))?.description).toBe('harvest');
    expect(heroes.getCacheStats().errors).toBeGreaterThan(0);
  });
});
