import type { Redis } from 'ioredis';
import { CacheService, createRedisClient } from 'cachedrepo';
import { EntityNotFoundError } from '../../../../src/errors';
import { InvalidArgumentError } from '../../../../example/services/invalid-argument-error';
import { PrismaOutbox } from 'cachedrepo/prisma';
import { TOKENS } from '../../../../example/container';
import type { ProgressService } from '../../../../example/services';
import { useRedisCache } from '../../../support/cache';
import { useTestDatabase, type TestDatabase } from '../../support/database';
import { appUnderTest, createStudyData, holdStudyRepository, type AppUnderTest } from './support';

// ProgressService's decorated methods on a real redis-server and a real database.
describe('ProgressService cached by @Cacheable / @CacheEvict', () => {
  let redis: Redis;
  let cache: CacheService;
  let db: TestDatabase;
  const redisFixture = useRedisCache();
  const dbFixture = useTestDatabase();
  const apps: AppUnderTest[] = [];
  beforeAll(() => {
    ({ redis, cache } = redisFixture);
    db = dbFixture.db;
  });
  afterAll(async () => {
    for (const app of apps) await app.layer.close();
  });

  function app(
    env: Record<string, string> = {},
    cacheService: CacheService | null = cache,
  ): { progress: ProgressService; app: AppUnderTest; held: ReturnType<typeof holdStudyRepository> } {
    let held!: ReturnType<typeof holdStudyRepository>;
    const built = appUnderTest(
      db.prisma,
      db.url,
      cacheService,
      env,
      (container) => (held = holdStudyRepository(container)),
    );
    apps.push(built);
    return { progress: built.container.resolve(TOKENS.ProgressService), app: built, held };
  }
  const ttl = (key: string): Promise<number> => redis.ttl(`cache:${key}`);

  it('misses, then hits, for progress, due cards and stats, with the TTLs of source document 000', async () => {
    const { progress, held } = app();
    const { user, cards, deck } = await createStudyData(db.prisma);
    await progress.startDeck(user.id, deck.id);
    await progress.recordReview(user.id, cards[0]!.id, 4);
    held.calls.reviewsOf = 0;
    held.calls.dueSchedules = 0;

    const first = {
      progress: await progress.getProgress(user.id),
      due: await progress.getDueCards(user.id, 10),
      stats: await progress.getStats(user.id),
    };
    const second = {
      progress: await progress.getProgress(user.id),
      due: await progress.getDueCards(user.id, 10),
      stats: await progress.getStats(user.id),
    };
    expect(second).toStrictEqual(first);
    expect(first.progress).toMatchObject({
      userId: user.id,
      cardsStudied: 1,
      reviews: 1,
      decks: [{ deckId: deck.id, cardsStudied: 1, reviews: 1 }],
    });
    expect(first.due.map((due) => due.card.id)).toEqual(cards.slice(1).map((card) => card.id));
    expect(first.due[0]?.card.createdAt).toBeInstanceOf(Date);
    expect(first.stats).toMatchObject({ totalReviews: 1, recalled: 1, averageRating: 4, ratings: [0, 0, 0, 0, 1, 0] });
    expect(held.calls).toMatchObject({ reviewsOf: 2, dueSchedules: 1 });

    for (const [key, seconds] of [
      [`user:${user.id}:progress`, 60],
      [`user:${user.id}:due_cards`, 30],
      [`user:${user.id}:stats`, 120],
    ] as const) {
      expect(await ttl(key)).toBeGreaterThan(seconds - 5);
      expect(await ttl(key)).toBeLessThanOrEqual(seconds);
    }
    expect(cache.stats.for('ProgressService.getProgress').snapshot()).toMatchObject({ hits: 1, misses: 1 });
    expect(cache.stats.for('ProgressService.getDueCards').snapshot()).toMatchObject({ hits: 1, misses: 1 });
  });

  it('takes the TTLs from configuration (CACHE_PROGRESS_TTL, CACHE_DUE_CARDS_TTL, CACHE_USER_STATS_TTL)', async () => {
    const { progress } = app({ CACHE_PROGRESS_TTL: '600', CACHE_DUE_CARDS_TTL: '300', CACHE_USER_STATS_TTL: '900' });
    const { user } = await createStudyData(db.prisma, 1);
    await Promise.all([progress.getProgress(user.id), progress.getDueCards(user.id), progress.getStats(user.id)]);
    expect(await ttl(`user:${user.id}:progress`)).toBeGreaterThan(595);
    expect(await ttl(`user:${user.id}:due_cards`)).toBeGreaterThan(295);
    expect(await ttl(`user:${user.id}:due_cards`)).toBeLessThanOrEqual(300);
    expect(await ttl(`user:${user.id}:stats`)).toBeGreaterThan(895);
  });

  it('a review evicts the three user keys: the next reads are fresh, other learners keep theirs', async () => {
    const { progress } = app();
    const { user, cards, deck } = await createStudyData(db.prisma, 3);
    const other = await createStudyData(db.prisma, 1);
    await progress.startDeck(user.id, deck.id);
    await progress.getProgress(other.user.id);
    const before = {
      progress: await progress.getProgress(user.id),
      due: await progress.getDueCards(user.id),
      stats: await progress.getStats(user.id),
    };
    expect(before.due).toHaveLength(3);

    const outcome = await progress.recordReview(user.id, cards[1]!.id, 5);
    expect(outcome.schedule).toMatchObject({ cardId: cards[1]!.id, repetitions: 1, intervalDays: 1 });
    expect(
      await redis.exists(
        `cache:user:${user.id}:progress`,
        `cache:user:${user.id}:due_cards`,
        `cache:user:${user.id}:stats`,
      ),
    ).toBe(0);
    expect(await redis.exists(`cache:user:${other.user.id}:progress`)).toBe(1);

    expect((await progress.getProgress(user.id)).reviews).toBe(1);
    expect((await progress.getDueCards(user.id)).map((due) => due.card.id)).toEqual([cards[0]!.id, cards[2]!.id]);
    expect((await progress.getStats(user.id)).totalReviews).toBe(1);
  });

  it(
    'editing or deleting a card is seen by the next getDueCards of every learner, without ' + 'touching their keys',
    async () => {
      const { progress, app: built } = app();
      const { user, cards, deck } = await createStudyData(db.prisma, 3);
      const second = await createStudyData(db.prisma, 0);
      for (const learner of [user, second.user]) await progress.startDeck(learner.id, deck.id);
      for (const learner of [user, second.user]) expect(await progress.getDueCards(learner.id)).toHaveLength(3);

      const cardRepository = built.container.resolve(TOKENS.CardRepository);
      await cardRepository.update(cards[0]!.id, { front: 'καλησπέρα' });
      await cardRepository.delete(cards[2]!.id);
      // The schedules stay cached: the card write cost no user key.
      expect(await redis.exists(`cache:user:${user.id}:due_cards`, `cache:user:${second.user.id}:due_cards`)).toBe(2);
      for (const learner of [user, second.user]) {
        const due = await progress.getDueCards(learner.id);
        expect(due.map((entry) => entry.card.id)).toEqual([cards[0]!.id, cards[1]!.id]);
        expect(due[0]?.card.front).toBe('καλησπέρα');
      }
    },
  );

  it('startDeck evicts the due cards', async () => {
    const { progress } = app();
    const { user, deck } = await createStudyData(db.prisma, 2);
    expect(await progress.getDueCards(user.id)).toEqual([]);
    expect(await progress.startDeck(user.id, deck.id)).toBe(2);
    expect(await progress.getDueCards(user.id)).toHaveLength(2);
    expect(await progress.startDeck(user.id, deck.id)).toBe(0);
  });

  it('stale-set race: a progress load held across a review stores nothing, and the next read is fresh', async () => {
    const { progress, held } = app();
    const { user, cards } = await createStudyData(db.prisma, 2);
    const hold = held.holdNext('reviewsOf');
    const slow = progress.getProgress(user.id);
    await hold.loaded; // the slow read has read an empty history and holds it
    await progress.recordReview(user.id, cards[0]!.id, 3); // the review commits and evicts meanwhile
    hold.release();
    expect((await slow).reviews).toBe(0);
    expect(await redis.exists(`cache:user:${user.id}:progress`)).toBe(0);
    expect((await progress.getProgress(user.id)).reviews).toBe(1);
    expect((await progress.getProgress(user.id)).reviews).toBe(1);
  });

  it('stale-set race on the due cards: a schedule load held across a review stores nothing', async () => {
    const { progress, held } = app();
    const { user, cards, deck } = await createStudyData(db.prisma, 2);
    await progress.startDeck(user.id, deck.id);
    const hold = held.holdNext('dueSchedules');
    const slow = progress.getDueCards(user.id);
    await hold.loaded;
    await progress.recordReview(user.id, cards[0]!.id, 5);
    hold.release();
    expect(await slow).toHaveLength(2);
    expect((await progress.getDueCards(user.id)).map((due) => due.card.id)).toEqual([cards[1]!.id]);
  });

  it('refuses a bad rating, an unknown card or user, and a bad limit', async () => {
    const { progress } = app();
    const { user, cards } = await createStudyData(db.prisma, 1);
    await expect(progress.recordReview(user.id, cards[0]!.id, 6)).rejects.toThrow(InvalidArgumentError);
    await expect(progress.recordReview(user.id, cards[0]!.id, 2.5)).rejects.toThrow(InvalidArgumentError);
    await expect(progress.recordReview(user.id, 'no-such-card', 3)).rejects.toThrow(EntityNotFoundError);
    await expect(progress.recordReview('no-such-user', cards[0]!.id, 3)).rejects.toThrow(EntityNotFoundError);
    await expect(progress.getDueCards(user.id, 0)).rejects.toThrow(InvalidArgumentError);
    expect((await progress.getStats(user.id)).totalReviews).toBe(0);
  });

  it('with REDIS_ENABLED=false the same methods read the database on every call and Redis stays empty', async () => {
    const { progress, held } = app({}, null);
    const { user, cards } = await createStudyData(db.prisma, 1);
    await progress.getProgress(user.id);
    await progress.recordReview(user.id, cards[0]!.id, 4);
    expect((await progress.getProgress(user.id)).reviews).toBe(1);
    expect(held.calls.reviewsOf).toBe(2);
    expect(await redis.dbsize()).toBe(0);
  });

  it('with the outbox on, a review records its three keys in the outbox in its own transaction', async () => {
    // A deliverer that polls once a minute: the row written by the review is still there to read.
    const withOutbox = new CacheService(createRedisClient({ url: redisFixture.server.url }), {
      keyPrefix: 'outboxed',
      outbox: new PrismaOutbox(db.prisma),
      outboxDelivery: { pollIntervalMs: 60_000, leaderLeaseMs: 120_000 },
      logger: redisFixture.logger,
    });
    try {
      expect(await withOutbox.waitUntilReady(3000)).toBe(true);
      const { progress } = app({ CACHE_KEY_PREFIX: 'outboxed' }, withOutbox);
      const { user, cards } = await createStudyData(db.prisma, 1);
      await db.prisma.cacheOutbox.deleteMany({});
      await progress.recordReview(user.id, cards[0]!.id, 4);
      const rows = await db.prisma.cacheOutbox.findMany();
      expect(rows.map((row) => JSON.parse(row.keys) as string[])).toEqual([
        [`user:${user.id}:progress`, `user:${user.id}:due_cards`, `user:${user.id}:stats`],
      ]);
    } finally {
      await withOutbox.close();
    }
  });
});
