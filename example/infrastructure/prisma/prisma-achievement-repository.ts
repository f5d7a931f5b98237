import { recordInvalidation } from 'cachedrepo/prisma';
import type { PrismaClient } from '../../../generated/prisma/client';
import type {
  AchievementAward,
  AchievementRepository,
  LeaderboardRow,
  RecentAward,
} from '../../repositories/achievement-repository';

const toAward = (row: AchievementAward): AchievementAward => ({
  id: row.id,
  userId: row.userId,
  code: row.code,
  points: row.points,
  awardedAt: row.awardedAt,
});

/**
 * Achievements over Prisma (model UserAchievement). Writes record their cache invalidation in the outbox in the same
 * transaction.
 */
export class PrismaAchievementRepository implements AchievementRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async awardsOf(userId: string): Promise<AchievementAward[]> {
    const rows = await this.prisma.userAchievement.findMany({
      where: { userId },
      orderBy: [{ awardedAt: 'asc' }, { id: 'asc' }],
    });
    return rows.map(toAward);
  }

  async award(
    input: { userId: string; code: string; points: number; awardedAt: Date },
    invalidation: readonly string[],
  ): Promise<{ award: AchievementAward; created: boolean }> {
    const where = { userId_code: { userId: input.userId, code: input.code } };
    try {
      return await this.prisma.$transaction(async (tx) => {
        const existing = await tx.userAchievement.findUnique({ where });
        if (existing) return { award: toAward(existing), created: false };
        const row = await tx.userAchievement.create({ data: input });
        await recordInvalidation(tx, invalidation);
        return { award: toAward(row), created: true };
      });
    } catch (error) {
      // A concurrent award of the same code won the unique (userId, code) index (P2002): it is the award.
      const existing = isUniqueViolation(error) ? await this.prisma.userAchievement.findUnique({ where }) : null;
      if (existing) return { award: toAward(existing), created: false };
      throw error;
    }
  }

  async revoke(userId: string, code: string, invalidation: readonly string[]): Promise<AchievementAward | null> {
    return this.prisma.$transaction(async (tx) => {
      const where = { userId_code: { userId, code } };
      const existing = await tx.userAchievement.findUnique({ where });
      if (!existing) return null;
      await tx.userAchievement.delete({ where });
      await recordInvalidation(tx, invalidation);
      return toAward(existing);
    });
  }

  async leaderboard(limit: number): Promise<LeaderboardRow[]> {
    const groups = await this.prisma.userAchievement.groupBy({
      by: ['userId'],
      _sum: { points: true },
      _count: { _all: true },
      _max: { awardedAt: true },
      orderBy: [{ _sum: { points: 'desc' } }, { _max: { awardedAt: 'asc' } }, { userId: 'asc' }],
      take: limit,
    });
    const users = await this.prisma.user.findMany({
      where: { id: { in: groups.map((group) => group.userId) } },
      select: { id: true, name: true },
    });
    const names = new Map(users.map((user) => [user.id, user.name]));
    return groups.map((group) => ({
      userId: group.userId,
      name: names.get(group.userId) ?? '',
      points: group._sum.points ?? 0,
      achievements: group._count._all,
      lastAwardedAt: group._max.awardedAt ?? new Date(0),
    }));
  }

  async recent(limit: number): Promise<RecentAward[]> {
    const rows = await this.prisma.userAchievement.findMany({
      orderBy: [{ awardedAt: 'desc' }, { id: 'desc' }],
      take: limit,
      include: { user: { select: { name: true } } },
    });
    return rows.map((row) => ({ ...toAward(row), name: row.user.name }));
  }
}

/** Prisma's unique constraint violation (P2002), from the generated client. */
function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === 'PrismaClientKnownRequestError' &&
    (error as { code?: unknown }).code === 'P2002'
  );
}
