import { defineKeySchema } from 'cachedrepo';

/**
 * Keys of the decorated service methods (unprefixed; the CacheService adds CACHE_KEY_PREFIX),
 * with the patterns of the source documents: 000 for study progress, 004 for achievements.
 * Ids are encoded by the schema, so a user id such as `global` or `a:b` can never form the
 * global keys or another user's key (`achievements:%67lobal:summary`).
 */
export const userKeys = defineKeySchema({
  progress: 'user:{userId}:progress',
  dueCards: 'user:{userId}:due_cards',
  stats: 'user:{userId}:stats',
});

export const achievementKeys = defineKeySchema({
  achievements: 'achievements:{userId}:achievements',
  summary: 'achievements:{userId}:summary',
  stats: 'achievements:{userId}:stats',
  leaderboard: 'achievements:global:leaderboard',
  recent: 'achievements:global:recent_achievements',
});

/** Every key a review by `userId` makes stale: the user's progress, due cards and stats. */
export function studyKeysOf(userId: string): string[] {
  return [userKeys.progress({ userId }), userKeys.dueCards({ userId }), userKeys.stats({ userId })];
}

/** Every key an award or revoke for `userId` makes stale: the user's three keys and the two global ones. */
export function achievementKeysOf(userId: string): string[] {
  return [
    achievementKeys.achievements({ userId }),
    achievementKeys.summary({ userId }),
    achievementKeys.stats({ userId }),
    achievementKeys.leaderboard(),
    achievementKeys.recent(),
  ];
}
