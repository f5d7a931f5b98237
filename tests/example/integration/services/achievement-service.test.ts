import type { Redis } from 'ioredis';
import { EntityNotFoundError } from '../../../../src/errors';
import { InvalidArgumentError } from '../../../../example/services/invalid-argument-error';
import { type CacheService } from 'cachedrepo';
import { TOKENS } from '../../../../example/container';
import { PrismaAchievementRepository } from '../../../../example/infrastructure/prisma/prisma-achievement-repository';
import type { AchievementService } from '../../../../example/services';
import { useRedisCache } from '../../../support/cache';
import { useTestDatabase, type TestDatabase } from '../../support/database';
import { appUnderTest, createStudyData, holding, type AppUnderTest } from './support';

// AchievementService's decorated methods on a real redis-server and a real database.
describe('AchievementService cached by @Cacheable / @CacheEvict', () => {
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
  beforeEach(() => db.prisma.userAchievement.deleteMany({}));

  function app(env: Record<string, string> = {}): {
    achievements: AchievementService;
    held: ReturnType<typeof holding<PrismaAchievementRepository>>;
  } {
    let held!: ReturnType<typeof holding<PrismaAchievementRepository>>;
    const built = appUnderTest(db.prisma, db.url, cache, env, (container) => {
      held = holding(container.resolve(TOKENS.AchievementRepository) as PrismaAchievementRepository);
      container.register(TOKENS.AchievementRepository, { useValue: held.repository });
    });
    apps.push(built);
    return { achievements: built.container.resolve(TOKENS.AchievementService), held };
  }
  const ttl = (key: string): Promise<number> => redis.ttl(`cache:${key}`);
  const userKeys = (userId: string): string[] =>
    ['achievements', 'summary', 'stats'].map((name) => `cache:achievements:${userId}:${name}`);
  const globalKeys = ['cache:achievements:global:leaderboard', 'cache:achievements:global:recent_achievements'];

  it('misses, then hits, for every method, with the TTLs of source document 004', async () => {
    const { achievements, held } = app();
    const { user } = await createStudyData(db.prisma, 0);
    await achievements.award(user.id, 'first_review');
    held.calls.awardsOf = held.calls.leaderboard = held.calls.recent = 0;
    const read = () =>
      Promise.all([
        achievements.getUserAchievements(user.id),
        achievements.getSummary(user.id),
        achievements.getStats(user.id),
        achievements.getLeaderboard(),
        achievements.getRecentAchievements(),
      ]);
    const first = await read();
    expect(await read()).toStrictEqual(first);
    expect(held.calls).toMatchObject({ awardsOf: 3, leaderboard: 1, recent: 1 });
    const [list, summary, stats, leaderboard, recent] = first;
    expect(list.map((entry) => entry.code)).toEqual(['first_review']);
    expect(list[0]?.awardedAt).toBeInstanceOf(Date);
    expect(summary).toMatchObject({ earned: 1, points: 10, latest: { code: 'first_review' } });
    expect(stats).toMatchObject({ earned: 1, available: 8, points: 10 });
    expect(leaderboard).toEqual([{ rank: 1, userId: user.id, name: user.name, points: 10, achievements: 1 }]);
    expect(recent).toMatchObject([{ userId: user.id, code: 'first_review', title: 'First steps' }]);
    const expected: [string, number][] = [
      ...userKeys(user.id).map((key): [string, number] => [key, 1800]),
      [globalKeys[0]!, 900],
      [globalKeys[1]!, 300],
    ];
    for (const [key, seconds] of expected) {
      expect(await ttl(key.slice('cache:'.length))).toBeGreaterThan(seconds - 5);
      expect(await ttl(key.slice('cache:'.length))).toBeLessThanOrEqual(seconds);
    }
  });

  it(
    'takes the TTLs from configuration (CACHE_ACHIEVEMENTS_TTL, CACHE_LEADERBOARD_TTL, ' +
      'CACHE_RECENT_ACHIEVEMENTS_TTL)',
    async () => {
      const { achievements } = app({
        CACHE_ACHIEVEMENTS_TTL: '100',
        CACHE_LEADERBOARD_TTL: '200',
        CACHE_RECENT_ACHIEVEMENTS_TTL: '50',
      });
      const { user } = await createStudyData(db.prisma, 0);
      await Promise.all([
        achievements.getSummary(user.id),
        achievements.getLeaderboard(),
        achievements.getRecentAchievements(),
      ]);
      expect(await ttl(`achievements:${user.id}:summary`)).toBeLessThanOrEqual(100);
      expect(await ttl(`achievements:${user.id}:summary`)).toBeGreaterThan(95);
      expect(await ttl('achievements:global:leaderboard')).toBeGreaterThan(195);
      expect(await ttl('achievements:global:leaderboard')).toBeLessThanOrEqual(200);
      expect(await ttl('achievements:global:recent_achievements')).toBeLessThanOrEqual(50);
    },
  );

  it(
    "an award evicts the learner's three keys and the global ones; the next reads are fresh, " +
      'other learners keep theirs',
    async () => {
      const { achievements } = app();
      const { user } = await createStudyData(db.prisma, 0);
      const other = await createStudyData(db.prisma, 0);
      await achievements.award(other.user.id, 'ten_reviews');
      await Promise.all([
        achievements.getUserAchievements(user.id),
        achievements.getSummary(user.id),
        achievements.getStats(user.id),
        achievements.getSummary(other.user.id),
      ]);
      expect((await achievements.getLeaderboard()).map((row) => row.userId)).toEqual([other.user.id]);
      await achievements.getRecentAchievements();

      const { created } = await achievements.award(user.id, 'streak_7');
      expect(created).toBe(true);
      expect(await redis.exists(...userKeys(user.id), ...globalKeys)).toBe(0);
      expect(await redis.exists(`cache:achievements:${other.user.id}:summary`)).toBe(1);

      expect((await achievements.getUserAchievements(user.id)).map((entry) => entry.code)).toEqual(['streak_7']);
      expect(await achievements.getSummary(user.id)).toMatchObject({ earned: 1, points: 70 });
      expect((await achievements.getStats(user.id)).byCategory).toContainEqual({
        category: 'streak',
        earned: 1,
        available: 2,
      });
      expect((await achievements.getLeaderboard()).map((row) => [row.userId, row.points])).toEqual([
        [user.id, 70],
        [other.user.id, 20],
      ]);
      expect((await achievements.getRecentAchievements())[0]).toMatchObject({ userId: user.id, code: 'streak_7' });
      expect((await achievements.award(user.id, 'streak_7')).created).toBe(false);
    },
  );

  it('a revoke evicts the same keys', async () => {
    const { achievements } = app();
    const { user } = await createStudyData(db.prisma, 0);
    await achievements.award(user.id, 'perfect_ten');
    expect(await achievements.getLeaderboard()).toHaveLength(1);
    expect((await achievements.getSummary(user.id)).earned).toBe(1);
    expect(await achievements.revoke(user.id, 'perfect_ten')).toBe(true);
    expect(await achievements.getLeaderboard()).toEqual([]);
    expect((await achievements.getSummary(user.id)).earned).toBe(0);
    expect(await achievements.getRecentAchievements()).toEqual([]);
    expect(await achievements.revoke(user.id, 'perfect_ten')).toBe(false);
  });

  it('stale-set race: a leaderboard load held across an award stores nothing, and the next read is fresh', async () => {
    const { achievements, held } = app();
    const { user } = await createStudyData(db.prisma, 0);
    const hold = held.holdNext('leaderboard');
    const slow = achievements.getLeaderboard();
    await hold.loaded; // the slow read has read an empty leaderboard and holds it
    await achievements.award(user.id, 'first_mastered');
    hold.release();
    expect(await slow).toEqual([]);
    expect(await redis.exists('cache:achievements:global:leaderboard')).toBe(0);
    expect((await achievements.getLeaderboard()).map((row) => row.points)).toEqual([60]);
  });

  it('keeps a learner id that spells a global key apart from the global keys', async () => {
    const { achievements } = app();
    await achievements.getSummary('global');
    await achievements.getLeaderboard();
    expect(await redis.exists('cache:achievements:%67lobal:summary', 'cache:achievements:global:leaderboard')).toBe(2);
  });

  it('awards a code once when two awards of it race', async () => {
    const { achievements } = app();
    const { user } = await createStudyData(db.prisma, 0);
    const results = await Promise.all([
      achievements.award(user.id, 'streak_3'),
      achievements.award(user.id, 'streak_3'),
      achievements.award(user.id, 'streak_3'),
    ]);
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(await db.prisma.userAchievement.count({ where: { userId: user.id } })).toBe(1);
    expect((await achievements.getSummary(user.id)).points).toBe(30);
  });

  it('refuses an unknown code or user', async () => {
    const { achievements } = app();
    const { user } = await createStudyData(db.prisma, 0);
    await expect(achievements.award(user.id, 'no_such_badge')).rejects.toThrow(InvalidArgumentError);
    await expect(achievements.award('no-such-user', 'first_review')).rejects.toThrow(EntityNotFoundError);
    await expect(achievements.revoke(user.id, 'no_such_badge')).rejects.toThrow(InvalidArgumentError);
  });
});
