import { Cacheable, CacheEvict, type MethodCache } from 'cachedrepo/decorators';
import { errors } from 'cachedrepo';
import { InvalidArgumentError } from '../invalid-argument-error';
import type { AchievementAward, AchievementRepository } from '../../repositories/achievement-repository';
import type { StudyRepository } from '../../repositories/study-repository';
import { achievementKeys, achievementKeysOf } from '../service-keys';
import { ACHIEVEMENTS, type AchievementCategory, type AchievementDefinition } from './achievement-catalog';

/** Default TTLs of the achievement methods, in seconds (source document 004, "Cache Expiration Times"). */
export const ACHIEVEMENT_TTL_SECONDS = { user: 1800, leaderboard: 900, recent: 300 } as const;
/** Rows of the cached leaderboard. */
export const LEADERBOARD_SIZE = 100;
/** Awards in the cached list of recent achievements. */
export const RECENT_ACHIEVEMENTS_SIZE = 20;

/** An award with its catalog entry. */
export interface EarnedAchievement extends AchievementDefinition {
  awardedAt: Date;
}

/** `getSummary`: what a profile page shows. */
export interface AchievementSummary {
  userId: string;
  earned: number;
  points: number;
  latest: EarnedAchievement | null;
}

/** `getStats`: completion of the catalog, overall and per category. */
export interface AchievementStats {
  userId: string;
  earned: number;
  available: number;
  /** earned / available. */
  completionRate: number;
  points: number;
  firstAwardedAt: Date | null;
  lastAwardedAt: Date | null;
  byCategory: { category: AchievementCategory; earned: number; available: number }[];
}

/** One row of the leaderboard, ranks from 1 (equal points share no rank: first to get there first). */
export interface LeaderboardEntry {
  rank: number;
  userId: string;
  name: string;
  points: number;
  achievements: number;
}

/** An award of any learner, newest first. */
export interface RecentAchievement {
  userId: string;
  name: string;
  code: string;
  title: string;
  points: number;
  awardedAt: Date;
}

const withEntry = (award: AchievementAward): EarnedAchievement[] => {
  const entry = ACHIEVEMENTS.get(award.code);
  // An award whose code left the catalog is kept in the database but not shown.
  return entry ? [{ ...entry, points: award.points, awardedAt: award.awardedAt }] : [];
};

/**
 * Achievements (source document 004), cached by decorated methods:
 *
 * | method | key | TTL (s) | evicted by |
 * |---|---|---|---|
 * | getUserAchievements | `achievements:{userId}:achievements` | 1800 | award, revoke of the user |
 * | getSummary | `achievements:{userId}:summary` | 1800 | award, revoke of the user |
 * | getStats | `achievements:{userId}:stats` | 1800 | award, revoke of the user |
 * | getLeaderboard | `achievements:global:leaderboard` | 900 | any award or revoke |
 * | getRecentAchievements | `achievements:global:recent_achievements` | 300 | any award or revoke |
 */
export class AchievementService {
  constructor(
    readonly methodCache: MethodCache | null,
    private readonly achievements: AchievementRepository,
    private readonly study: StudyRepository,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** The learner's achievements, oldest first (empty for an unknown id). */
  @Cacheable({ key: (userId: string) => achievementKeys.achievements({ userId }), ttl: ACHIEVEMENT_TTL_SECONDS.user })
  async getUserAchievements(userId: string): Promise<EarnedAchievement[]> {
    return (await this.achievements.awardsOf(userId)).flatMap(withEntry);
  }

  @Cacheable({ key: (userId: string) => achievementKeys.summary({ userId }), ttl: ACHIEVEMENT_TTL_SECONDS.user })
  async getSummary(userId: string): Promise<AchievementSummary> {
    const earned = (await this.achievements.awardsOf(userId)).flatMap(withEntry);
    return {
      userId,
      earned: earned.length,
      points: earned.reduce((sum, entry) => sum + entry.points, 0),
      latest: earned[earned.length - 1] ?? null,
    };
  }

  @Cacheable({ key: (userId: string) => achievementKeys.stats({ userId }), ttl: ACHIEVEMENT_TTL_SECONDS.user })
  async getStats(userId: string): Promise<AchievementStats> {
    const earned = (await this.achievements.awardsOf(userId)).flatMap(withEntry);
    const catalog = [...ACHIEVEMENTS.values()];
    const categories = [...new Set(catalog.map((entry) => entry.category))];
    return {
      userId,
      earned: earned.length,
      available: catalog.length,
      completionRate: earned.length / catalog.length,
      points: earned.reduce((sum, entry) => sum + entry.points, 0),
      firstAwardedAt: earned[0]?.awardedAt ?? null,
      lastAwardedAt: earned[earned.length - 1]?.awardedAt ?? null,
      byCategory: categories.map((category) => ({
        category,
        earned: earned.filter((entry) => entry.category === category).length,
        available: catalog.filter((entry) => entry.category === category).length,
      })),
    };
  }

  /** The top 100 learners by points. */
  @Cacheable({ key: () => achievementKeys.leaderboard(), ttl: ACHIEVEMENT_TTL_SECONDS.leaderboard })
  async getLeaderboard(): Promise<LeaderboardEntry[]> {
    const rows = await this.achievements.leaderboard(LEADERBOARD_SIZE);
    return rows.map((row, index) => ({
      rank: index + 1,
      userId: row.userId,
      name: row.name,
      points: row.points,
      achievements: row.achievements,
    }));
  }

  /** The 20 latest awards of all learners. */
  @Cacheable({ key: () => achievementKeys.recent(), ttl: ACHIEVEMENT_TTL_SECONDS.recent })
  async getRecentAchievements(): Promise<RecentAchievement[]> {
    const rows = await this.achievements.recent(RECENT_ACHIEVEMENTS_SIZE);
    return rows.flatMap((row) =>
      withEntry(row).map((entry) => ({
        userId: row.userId,
        name: row.name,
        code: row.code,
        title: entry.title,
        points: row.points,
        awardedAt: row.awardedAt,
      })),
    );
  }

  /**
   * Awards the achievement `code` (once: awarding it again returns the existing award).
   * Evicts the learner's three keys and the two global ones.
   * @throws {InvalidArgumentError} for a code that is not in the catalog
   * @throws {EntityNotFoundError} when the user does not exist
   */
  @CacheEvict({ keys: (userId: string) => achievementKeysOf(userId) })
  async award(userId: string, code: string): Promise<{ achievement: EarnedAchievement; created: boolean }> {
    const entry = this.entryOf(code);
    if (!(await this.study.findUser(userId))) throw new errors.EntityNotFoundError('user', userId);
    const { award, created } = await this.achievements.award(
      { userId, code, points: entry.points, awardedAt: this.clock() },
      this.outboxKeys(userId),
    );
    return { achievement: { ...entry, points: award.points, awardedAt: award.awardedAt }, created };
  }

  /**
   * Takes the achievement `code` back. Evicts the learner's three keys and the two global ones.
   * @returns false when the learner did not have it
   * @throws {InvalidArgumentError} for a code that is not in the catalog
   */
  @CacheEvict({ keys: (userId: string) => achievementKeysOf(userId) })
  async revoke(userId: string, code: string): Promise<boolean> {
    this.entryOf(code);
    return (await this.achievements.revoke(userId, code, this.outboxKeys(userId))) !== null;
  }

  private entryOf(code: string): AchievementDefinition {
    const entry = ACHIEVEMENTS.get(code);
    if (!entry)
      throw new InvalidArgumentError(
        `code must be an achievement of the catalog (${[...ACHIEVEMENTS.keys()].join(', ')}), got ` +
          `${JSON.stringify(code)}`,
      );
    return entry;
  }

  private outboxKeys(userId: string): string[] {
    return this.methodCache?.recordsWritesInOutbox ? achievementKeysOf(userId) : [];
  }
}
