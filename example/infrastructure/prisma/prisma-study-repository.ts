import { recordInvalidation } from 'cachedrepo/prisma';
import type { PrismaClient } from '../../../generated/prisma/client';
import type {
  CardSchedule,
  NewReview,
  ReviewRecord,
  ScheduleUpdate,
  StudyRepository,
  User,
} from '../../repositories/study-repository';

type StateRow = {
  cardId: string;
  repetitions: number;
  intervalDays: number;
  easeFactor: number;
  nextReviewAt: Date;
  lastReviewedAt: Date | null;
};

const toSchedule = (row: StateRow): CardSchedule => ({
  cardId: row.cardId,
  repetitions: row.repetitions,
  intervalDays: row.intervalDays,
  easeFactor: row.easeFactor,
  nextReviewAt: row.nextReviewAt,
  lastReviewedAt: row.lastReviewedAt,
});

const toReview = (row: ReviewRecord): ReviewRecord => ({
  id: row.id,
  userId: row.userId,
  cardId: row.cardId,
  deckId: row.deckId,
  rating: row.rating,
  intervalDays: row.intervalDays,
  easeFactor: row.easeFactor,
  reviewedAt: row.reviewedAt,
});

/**
 * Study progress over Prisma (models User, CardStudyState, Review). Writes record their cache invalidation in the
 * outbox in the same transaction.
 */
export class PrismaStudyRepository implements StudyRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async createUser(input: { name: string; email: string }): Promise<User> {
    const row = await this.prisma.user.create({ data: { name: input.name, email: input.email } });
    return { id: row.id, name: row.name, email: row.email, createdAt: row.createdAt };
  }

  async findUser(id: string): Promise<User | null> {
    const row = await this.prisma.user.findUnique({ where: { id } });
    return row && { id: row.id, name: row.name, email: row.email, createdAt: row.createdAt };
  }

  async listUsers(limit: number): Promise<User[]> {
    const rows = await this.prisma.user.findMany({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: limit });
    return rows.map((row) => ({ id: row.id, name: row.name, email: row.email, createdAt: row.createdAt }));
  }

  async dueSchedules(userId: string, until: Date, limit: number): Promise<CardSchedule[]> {
    const rows = await this.prisma.cardStudyState.findMany({
      where: { userId, nextReviewAt: { lte: until } },
      orderBy: [{ nextReviewAt: 'asc' }, { cardId: 'asc' }],
      take: limit,
    });
    return rows.map(toSchedule);
  }

  async recordReview(
    review: NewReview,
    next: (previous: CardSchedule | null) => ScheduleUpdate,
    invalidation: readonly string[],
  ): Promise<{ review: ReviewRecord; schedule: CardSchedule }> {
    return this.prisma.$transaction(async (tx) => {
      const where = { userId_cardId: { userId: review.userId, cardId: review.cardId } };
      const previous = await tx.cardStudyState.findUnique({ where });
      const update = next(previous && toSchedule(previous));
      const state = await tx.cardStudyState.upsert({
        where,
        create: { userId: review.userId, cardId: review.cardId, ...update },
        update,
      });
      const row = await tx.review.create({
        data: { ...review, intervalDays: update.intervalDays, easeFactor: update.easeFactor },
      });
      await recordInvalidation(tx, invalidation);
      return { review: toReview(row), schedule: toSchedule(state) };
    });
  }

  async enroll(
    userId: string,
    cardIds: readonly string[],
    dueAt: Date,
    invalidation: readonly string[],
  ): Promise<number> {
    return this.prisma.$transaction(async (tx) => {
      const existing = await tx.cardStudyState.findMany({
        where: { userId, cardId: { in: [...cardIds] } },
        select: { cardId: true },
      });
      const known = new Set(existing.map((row) => row.cardId));
      const fresh = [...new Set(cardIds)].filter((cardId) => !known.has(cardId));
      // One INSERT per card: SQLite's createMany has no skipDuplicates, and the unique (userId, cardId) index guards
      // races.
      // A millisecond apart and none after `dueAt`, so that new cards come due in the order given (the deck's order).
      for (const [index, cardId] of fresh.entries())
        await tx.cardStudyState.create({
          data: { userId, cardId, nextReviewAt: new Date(dueAt.getTime() - (fresh.length - 1 - index)) },
        });
      await recordInvalidation(tx, invalidation);
      return fresh.length;
    });
  }

  async reviewsOf(userId: string): Promise<ReviewRecord[]> {
    const rows = await this.prisma.review.findMany({
      where: { userId },
      orderBy: [{ reviewedAt: 'asc' }, { id: 'asc' }],
    });
    return rows.map(toReview);
  }
}
