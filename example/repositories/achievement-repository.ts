/**
 * Achievements (source document 004): which learner earned which entry of the catalog, and
 * the global views over them. The port the achievement service uses; Prisma implements it
 * (infrastructure/prisma/prisma-achievement-repository.ts).
 */

/**
 * An achievement awarded to a learner. `code` names a catalog entry; `points` are those of the entry when it was
 * awarded.
 */
export interface AchievementAward {
  readonly id: string;
  userId: string;
  code: string;
  points: number;
  awardedAt: Date;
}

/** One learner's row of the leaderboard. */
export interface LeaderboardRow {
  userId: string;
  name: string;
  points: number;
  achievements: number;
  lastAwardedAt: Date;
}

/** An award with the name of its learner. */
export interface RecentAward extends AchievementAward {
  name: string;
}

export interface AchievementRepository {
  /** The user's awards, oldest first. */
  awardsOf(userId: string): Promise<AchievementAward[]>;
  /**
   * Awards `code` once: in one transaction, creates the award unless the user has it, and then
   * records `invalidation` in the invalidation outbox when it is not empty.
   * @returns the award, and whether this call created it
   */
  award(
    input: { userId: string; code: string; points: number; awardedAt: Date },
    invalidation: readonly string[],
  ): Promise<{ award: AchievementAward; created: boolean }>;
  /**
   * Removes the award (in one transaction with the outbox record). @returns the removed award, or null when the user
   * did not have it
   */
  revoke(userId: string, code: string, invalidation: readonly string[]): Promise<AchievementAward | null>;
  /** Learners by total points (then by who got there first, then id), at most `limit`. */
  leaderboard(limit: number): Promise<LeaderboardRow[]>;
  /** The latest awards of every learner, newest first, at most `limit`. */
  recent(limit: number): Promise<RecentAward[]>;
}
