/**
 * Study progress (source document 000): learners, their SM-2 schedule of each card, and the
 * history of their answers. The port the progress service uses; Prisma implements it
 * (infrastructure/prisma/prisma-study-repository.ts).
 */

/** A learner. */
export interface User {
  readonly id: string;
  name: string;
  email: string;
  createdAt: Date;
}

/**
 * One learner's schedule of one card, after SM-2 (P. A. Wozniak, "Optimization of learning",
 * 1990, https://super-memory.com/english/ol/sm2.htm): `repetitions` in a row recalled,
 * `intervalDays` until the next review, `easeFactor` (at least 1.3).
 */
export interface CardSchedule {
  cardId: string;
  repetitions: number;
  intervalDays: number;
  easeFactor: number;
  nextReviewAt: Date;
  lastReviewedAt: Date | null;
}

/** The schedule fields an answer sets. */
export type ScheduleUpdate = Omit<CardSchedule, 'cardId'>;

/**
 * One answer, kept in the history with the schedule it produced. `cardId` and `deckId` are what they were when the
 * answer was given.
 */
export interface ReviewRecord {
  readonly id: string;
  userId: string;
  cardId: string;
  deckId: string;
  /** SM-2 quality of the answer, 0..5; 3 and above counts as recalled. */
  rating: number;
  intervalDays: number;
  easeFactor: number;
  reviewedAt: Date;
}

/** What {@link StudyRepository.recordReview} writes. */
export interface NewReview {
  userId: string;
  cardId: string;
  deckId: string;
  rating: number;
  reviewedAt: Date;
}

export interface StudyRepository {
  createUser(input: { name: string; email: string }): Promise<User>;
  findUser(id: string): Promise<User | null>;
  /** Learners by creation, at most `limit`. */
  listUsers(limit: number): Promise<User[]>;
  /** The user's schedules with `nextReviewAt <= until`, earliest first (ties by card id), at most `limit`. */
  dueSchedules(userId: string, until: Date, limit: number): Promise<CardSchedule[]>;
  /**
   * In one transaction: reads the user's schedule of the card (null before the first answer),
   * writes `next(previous)` as the new schedule, appends the answer to the history, and records
   * `invalidation` (cache keys) in the invalidation outbox when it is not empty.
   */
  recordReview(
    review: NewReview,
    next: (previous: CardSchedule | null) => ScheduleUpdate,
    invalidation: readonly string[],
  ): Promise<{ review: ReviewRecord; schedule: CardSchedule }>;
  /**
   * In one transaction: creates a schedule for each card the user has none of, due a
   * millisecond apart in the order of `cardIds`, the last at `dueAt`,
   * and records `invalidation` in the outbox when it is not empty.
   * @returns the number of schedules created
   */
  enroll(userId: string, cardIds: readonly string[], dueAt: Date, invalidation: readonly string[]): Promise<number>;
  /** The user's answers, oldest first. */
  reviewsOf(userId: string): Promise<ReviewRecord[]>;
}
