import type { Redis } from 'ioredis';
import { CachedRepository, type Cached, type CacheService } from 'cachedrepo';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';
import {
  CefrLevel,
  Gender,
  Language,
  Rating,
  StoryLength,
  AudioFile,
  type Card,
  type Child,
  type Deck,
  type Hero,
  type Story,
} from '../../../../example/domain';
import {
  PrismaCardRepository,
  PrismaChildRepository,
  PrismaDeckRepository,
  PrismaHeroRepository,
  PrismaStoryRepository,
} from '../../../../example/infrastructure/prisma';
import type {
  CardRepository,
  ChildRepository,
  DeckRepository,
  HeroRepository,
  StoryRepository,
} from '../../../../example/repositories';
import {
  cardCacheStrategy,
  childCacheStrategy,
  deckCacheStrategy,
  heroCacheStrategy,
  storyCacheStrategy,
} from '../../../../example/strategies';
import { connectCache } from '../../../support/cache';
import { useTestDatabase } from '../../support/database';
import { capMemory, evictAll, openRawClient } from '../../support/restore-kit';
import { until } from '../../../support/wait';

// The example's entities through their near caches: every read returns what the database
// holds, with the same types (Dates, enums, value objects), as the caller's own copy; and an
// eviction in Redis reaches the near cache.
describe('near caches of the example entities', () => {
  let server: RedisServerHandle;
  let redis: Redis;
  let cache: CacheService;
  const dbFixture = useTestDatabase();

  beforeAll(async () => {
    server = await startRedisServer();
    ({ redis, cache } = await connectCache(server.url, { nearCache: true }));
    await until(() => cache.health().nearCache.tracking !== 'inactive', 5000, 'tracking to be active');
  });
  afterAll(async () => {
    await cache.close();
    await server.stop();
  });

  const nearHits = (entityType: string): number =>
    cache.health().nearCache.caches.find((c) => c.entityType === entityType)?.hits ?? 0;
  /** Reads until the near cache of `entityType` answers; returns that answer. */
  async function fromNearCache<V>(entityType: string, read: () => Promise<V>): Promise<V> {
    let value: V | undefined;
    await until(
      async () => {
        const before = nearHits(entityType);
        value = await read();
        return nearHits(entityType) > before;
      },
      5000,
      `a near-cache hit for ${entityType}`,
    );
    return value as V;
  }

  it('a story (value objects: Rating, StoryLength, AudioFile) comes back equal, rebuilt, and unshared', async () => {
    const { prisma } = dbFixture.db;
    const child = await new PrismaChildRepository(prisma).save({
      name: 'Ino',
      age: 7,
      gender: Gender.Female,
      interests: ['sea'],
    });
    const plain = new PrismaStoryRepository(prisma);
    const story = await plain.save({
      title: 'The Sea',
      content: 'Waves.',
      language: Language.Greek,
      length: StoryLength.SHORT,
      childId: child.id,
      heroId: null,
      rating: new Rating(4),
      audioFile: new AudioFile('https://x.test/a.mp3', 30, 'mp3'),
    });
    const stories: Cached<StoryRepository> = CachedRepository.wrap<Story, StoryRepository>(
      plain,
      storyCacheStrategy({ nearCache: { maxEntries: 10 } }),
      cache,
    );
    const hit = await fromNearCache('story', () => stories.findById(story.id));
    expect(hit).toStrictEqual(story);
    expect(hit?.length).toBe(StoryLength.SHORT);
    expect(hit?.rating).toBeInstanceOf(Rating);
    (hit as { title: string }).title = 'mutated';
    (hit?.rating as { value: number }).value = 1;
    (hit?.audioFile as { durationSeconds: number }).durationSeconds = 1;
    hit?.createdAt.setFullYear(1990);
    const again = await fromNearCache('story', () => stories.findById(story.id));
    expect(again).toStrictEqual(story);
    expect(again?.rating).not.toBe(hit?.rating);
  });

  it("a deck with its cards, a child's interests and a hero's Dates are the caller's own", async () => {
    const { prisma } = dbFixture.db;
    const plainDecks = new PrismaDeckRepository(prisma);
    const deck = await plainDecks.save({ name: 'Colours', description: null, level: CefrLevel.A1, isActive: true });
    await new PrismaCardRepository(prisma).save({
      deckId: deck.id,
      front: 'κόκκινο',
      back: 'red',
      example: null,
      orderIndex: 0,
    });
    const decks = CachedRepository.wrap<Deck, DeckRepository>(plainDecks, deckCacheStrategy(), cache);
    const expected = await plainDecks.findWithCards(deck.id);
    const full = await fromNearCache('deck', () => decks.findWithCards(deck.id));
    expect(full).toStrictEqual(expected);
    full?.cards.push({ ...(full.cards[0] as Card), id: 'intruder' });
    (full?.cards[0] as { back: string }).back = 'blue';
    expect(await decks.findWithCards(deck.id)).toStrictEqual(expected);

    const plainChildren = new PrismaChildRepository(prisma);
    const child = await plainChildren.save({
      name: 'Leto',
      age: 6,
      gender: Gender.Female,
      interests: ['owls', 'stars'],
    });
    const children = CachedRepository.wrap<Child, ChildRepository>(plainChildren, childCacheStrategy(), cache);
    (await fromNearCache('child', () => children.findById(child.id)))?.interests.splice(0);
    expect(await children.findById(child.id)).toStrictEqual(child);

    const plainHeroes = new PrismaHeroRepository(prisma);
    const hero = await plainHeroes.save({
      name: 'Orion',
      language: Language.English,
      gender: Gender.Male,
      description: 'hunter',
    });
    const heroes = CachedRepository.wrap<Hero, HeroRepository>(plainHeroes, heroCacheStrategy(), cache);
    (await fromNearCache('hero', () => heroes.findById(hero.id)))?.updatedAt.setTime(0);
    (await fromNearCache('hero', () => heroes.findByLanguage(Language.English)))[0]?.createdAt.setTime(0);
    expect(await heroes.findById(hero.id)).toStrictEqual(hero);
    expect(await heroes.findByLanguage(Language.English)).toStrictEqual([hero]);
  });

  it('an eviction in Redis reaches the near cache', async () => {
    const { prisma } = dbFixture.db;
    const plainCards = new PrismaCardRepository(prisma);
    const deck = await new PrismaDeckRepository(prisma).save({
      name: 'Numbers',
      description: null,
      level: CefrLevel.A2,
      isActive: true,
    });
    const card = await plainCards.save({ deckId: deck.id, front: 'ένα', back: 'one', example: null, orderIndex: 0 });
    const cards = CachedRepository.wrap<Card, CardRepository>(plainCards, cardCacheStrategy(), cache);
    await fromNearCache('card', () => cards.findById(card.id));
    // The database changes behind the cache's back; only the eviction can tell the near cache.
    await prisma.card.update({ where: { id: card.id }, data: { back: 'uno' } });
    const raw = await openRawClient(server.url);
    try {
      await capMemory(raw, 'allkeys-lru');
      expect(await evictAll(raw, `cache:cards:${card.id}`, false)).toEqual([`cache:cards:${card.id}`]);
      await until(
        async () => (await cards.findById(card.id))?.back === 'uno',
        5000,
        'the eviction to reach the near cache',
      );
    } finally {
      await raw.config('SET', 'maxmemory', '0');
      raw.disconnect();
    }
    expect(redis.status).toBe('ready');
  });
});
