import { Cacheable, CacheEvict, type MethodCache } from 'cachedrepo/decorators';
import { errors } from 'cachedrepo';
import { InvalidArgumentError } from '../invalid-argument-error';
import type { Card } from '../../domain';
import type { CardRepository } from '../../repositories';
import type { CardSchedule, ReviewRecord, StudyRepository } from '../../repositories/study-repository';
import { studyKeysOf, userKeys } from '../service-keys';
import { progressOf, statsOf, type StudyStats, type UserProgress } from './progress-report';
import { nextSchedule } from './sm2';

/** Default TTLs of the progress methods, in seconds (source document 000, "TTL Strategy"). */
export const PROGRESS_TTL_SECONDS = { progress: 60, dueCards: 30, stats: 120 } as const;
/** Most due cards one call returns, and cached per learner. */
export const MAX_DUE_CARDS = 200;
/** Name of the cached due-card schedule in stats, metrics and TTL configuration. */
export const DUE_CARDS_METHOD = 'ProgressService.getDueCards';
/**
 * Seconds beyond the TTL the cached schedule looks ahead: an entry is stored a little after it
 * was computed, so it lives slightly longer than the TTL; cards falling due in that time must
 * already be in it.
 */
const DUE_HORIZON_MARGIN_SECONDS = 60;

/** A card due for review, with the learner's schedule of it. */
export interface DueCard {
  card: Card;
  schedule: CardSchedule;
}

/** What {@link ProgressService.recordReview} wrote. */
export interface ReviewOutcome {
  review: ReviewRecord;
  schedule: CardSchedule;
}

/**
 * Study progress of learners (source document 000), cached per learner by decorated methods:
 *
 * | method | key | TTL (s) | evicted by |
 * |---|---|---|---|
 * | getProgress | `user:{userId}:progress` | 60 | recordReview |
 * | getDueCards | `user:{userId}:due_cards` | 30 | recordReview, startDeck |
 * | getStats | `user:{userId}:stats` | 120 | recordReview |
 *
 * `user:{userId}:due_cards` holds the learner's schedule (card ids and SM-2 state), not the
 * cards: each call reads the cards through the cached CardRepository (`cards:{id}`, which
 * every card write invalidates) and leaves out cards that no longer exist. So editing or
 * deleting a card is seen by the next `getDueCards` of every learner, and a card write costs
 * nothing here, whatever the number of learners.
 */
export class ProgressService {
  /**
   * @param methodCache the container's method cache (null: every call reads the database)
   * @param cards the CardRepository token's repository (cached or plain, as configured)
   * @param clock the current time (tests pass a fixed one)
   */
  constructor(
    readonly methodCache: MethodCache | null,
    private readonly study: StudyRepository,
    private readonly cards: CardRepository,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * The learner's progress per deck, from the review history (empty for a learner without reviews or an unknown id).
   */
  @Cacheable({ key: (userId: string) => userKeys.progress({ userId }), ttl: PROGRESS_TTL_SECONDS.progress })
  async getProgress(userId: string): Promise<UserProgress> {
    return progressOf(userId, await this.study.reviewsOf(userId));
  }

  /** The learner's answer statistics (zeros for a learner without reviews or an unknown id). */
  @Cacheable({ key: (userId: string) => userKeys.stats({ userId }), ttl: PROGRESS_TTL_SECONDS.stats })
  async getStats(userId: string): Promise<StudyStats> {
    return statsOf(userId, await this.study.reviewsOf(userId));
  }

  /**
   * Up to `limit` cards due now, earliest first, with their current content.
   * @param limit 1..200 @default 20
   * @throws {InvalidArgumentError} for a limit outside 1..200
   */
  async getDueCards(userId: string, limit = 20): Promise<DueCard[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_DUE_CARDS)
      throw new InvalidArgumentError(`limit must be a whole number from 1 to ${MAX_DUE_CARDS}, got ${limit}`);
    const now = this.clock();
    const due = (await this.getDueSchedule(userId)).filter((schedule) => schedule.nextReviewAt <= now);
    const result: DueCard[] = [];
    // Cards deleted since the schedule was cached are left out: read more until `limit` are found.
    for (let next = 0; next < due.length && result.length < limit;) {
      const chunk = due.slice(next, next + limit - result.length);
      next += chunk.length;
      const cards = new Map(
        (await this.cards.findByIds(chunk.map((schedule) => schedule.cardId))).map((card) => [card.id, card]),
      );
      for (const schedule of chunk) {
        const card = cards.get(schedule.cardId);
        if (card) result.push({ card, schedule });
      }
    }
    return result;
  }

  /**
   * The learner's schedules due by the end of this entry's life (TTL + a margin), earliest
   * first, at most 200; {@link getDueCards} keeps those due at the time of each call.
   */
  @Cacheable({
    key: (userId: string) => userKeys.dueCards({ userId }),
    ttl: PROGRESS_TTL_SECONDS.dueCards,
    name: DUE_CARDS_METHOD,
  })
  async getDueSchedule(userId: string): Promise<CardSchedule[]> {
    const ttl =
      this.methodCache?.ttlOf(DUE_CARDS_METHOD, PROGRESS_TTL_SECONDS.dueCards) ?? PROGRESS_TTL_SECONDS.dueCards;
    const until = new Date(this.clock().getTime() + (ttl + DUE_HORIZON_MARGIN_SECONDS) * 1000);
    return this.study.dueSchedules(userId, until, MAX_DUE_CARDS);
  }

  /**
   * Records an answer of quality `rating` (SM-2, 0..5) to a card and reschedules it; evicts
   * the learner's progress, due cards and stats (and records them in the outbox in the same
   * transaction when the outbox is on).
   * @throws {InvalidArgumentError} for a rating that is not a whole number from 0 to 5
   * @throws {EntityNotFoundError} when the card or the user does not exist
   */
  @CacheEvict({ keys: (userId: string) => studyKeysOf(userId) })
  async recordReview(userId: string, cardId: string, rating: number): Promise<ReviewOutcome> {
    if (!Number.isInteger(rating) || rating < 0 || rating > 5)
      throw new InvalidArgumentError(`rating must be a whole number from 0 to 5 (SM-2 quality), got ${rating}`);
    const card = await this.cards.findById(cardId);
    if (!card) throw new errors.EntityNotFoundError('card', cardId);
    if (!(await this.study.findUser(userId))) throw new errors.EntityNotFoundError('user', userId);
    const now = this.clock();
    return this.study.recordReview(
      { userId, cardId, deckId: card.deckId, rating, reviewedAt: now },
      (previous) => nextSchedule(previous, rating, now),
      this.outboxKeys(studyKeysOf(userId)),
    );
  }

  /**
   * Starts a deck: every card of the deck the learner has no schedule for becomes due now.
   * Evicts the learner's due cards.
   * @returns the number of cards added to the learner's schedule
   * @throws {EntityNotFoundError} when the user does not exist
   */
  @CacheEvict({ keys: (userId: string) => [userKeys.dueCards({ userId })] })
  async startDeck(userId: string, deckId: string): Promise<number> {
    if (!(await this.study.findUser(userId))) throw new errors.EntityNotFoundError('user', userId);
    const cards = await this.cards.findByDeckId(deckId);
    return this.study.enroll(
      userId,
      cards.map((card) => card.id),
      this.clock(),
      this.outboxKeys([userKeys.dueCards({ userId })]),
    );
  }

  /**
   * The keys to record in the outbox with a write: all of them when the cache delivers an outbox, else none (nobody
   * would deliver them).
   */
  private outboxKeys(keys: string[]): string[] {
    return this.methodCache?.recordsWritesInOutbox ? keys : [];
  }
}
