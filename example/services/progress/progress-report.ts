import type { ReviewRecord } from '../../repositories/study-repository';
import { MASTERED_INTERVAL_DAYS } from './sm2';

/**
 * Progress and statistics are computed from the review history alone. The history changes
 * only by `recordReview`, which evicts both keys; editing, moving or deleting a card later does
 * not rewrite history, so no card write can make these cached values stale.
 */

/** A learner's progress in one deck (the deck the card was in when answered). */
export interface DeckProgress {
  deckId: string;
  /** Distinct cards answered at least once. */
  cardsStudied: number;
  /** Cards whose last answer scheduled them 21 days or more ahead. */
  cardsMastered: number;
  reviews: number;
  lastReviewedAt: Date;
}

/** `ProgressService.getProgress`: the learner's progress over all decks, decks by latest study first. */
export interface UserProgress {
  userId: string;
  cardsStudied: number;
  cardsMastered: number;
  reviews: number;
  decks: DeckProgress[];
}

/** `ProgressService.getStats`: the learner's answer statistics. */
export interface StudyStats {
  userId: string;
  totalReviews: number;
  /** Distinct cards answered. */
  cardsReviewed: number;
  /** Answers of quality 3 or more. */
  recalled: number;
  /** recalled / totalReviews, 0 without reviews. */
  recallRate: number;
  /** Mean quality (0..5), 0 without reviews. */
  averageRating: number;
  /** Distinct UTC days with at least one answer. */
  studyDays: number;
  /** Longest run of consecutive UTC days with answers. */
  longestStreakDays: number;
  firstReviewAt: Date | null;
  lastReviewAt: Date | null;
  /** Answers per quality, index 0..5. */
  ratings: number[];
}

/** Progress from `reviews` (oldest first). */
export function progressOf(userId: string, reviews: readonly ReviewRecord[]): UserProgress {
  const lastByCard = new Map<string, ReviewRecord>();
  for (const review of reviews) lastByCard.set(review.cardId, review);
  const decks = new Map<string, DeckProgress>();
  for (const review of reviews) {
    const deck = decks.get(review.deckId) ?? {
      deckId: review.deckId,
      cardsStudied: 0,
      cardsMastered: 0,
      reviews: 0,
      lastReviewedAt: review.reviewedAt,
    };
    deck.reviews += 1;
    if (review.reviewedAt > deck.lastReviewedAt) deck.lastReviewedAt = review.reviewedAt;
    decks.set(review.deckId, deck);
  }
  for (const last of lastByCard.values()) {
    const deck = decks.get(last.deckId) as DeckProgress;
    deck.cardsStudied += 1;
    if (last.intervalDays >= MASTERED_INTERVAL_DAYS) deck.cardsMastered += 1;
  }
  const list = [...decks.values()].sort(
    (a, b) => b.lastReviewedAt.getTime() - a.lastReviewedAt.getTime() || a.deckId.localeCompare(b.deckId),
  );
  return {
    userId,
    cardsStudied: lastByCard.size,
    cardsMastered: list.reduce((sum, deck) => sum + deck.cardsMastered, 0),
    reviews: reviews.length,
    decks: list,
  };
}

const utcDay = (date: Date): number => Math.floor(date.getTime() / 86_400_000);

/** Statistics from `reviews` (oldest first). */
export function statsOf(userId: string, reviews: readonly ReviewRecord[]): StudyStats {
  const ratings = [0, 0, 0, 0, 0, 0];
  for (const review of reviews) ratings[review.rating] = (ratings[review.rating] ?? 0) + 1;
  const recalled = reviews.filter((review) => review.rating >= 3).length;
  const days = [...new Set(reviews.map((review) => utcDay(review.reviewedAt)))].sort((a, b) => a - b);
  let longest = 0;
  let run = 0;
  days.forEach((day, index) => {
    run = index > 0 && day === (days[index - 1] as number) + 1 ? run + 1 : 1;
    longest = Math.max(longest, run);
  });
  const total = reviews.length;
  return {
    userId,
    totalReviews: total,
    cardsReviewed: new Set(reviews.map((review) => review.cardId)).size,
    recalled,
    recallRate: total === 0 ? 0 : recalled / total,
    averageRating: total === 0 ? 0 : reviews.reduce((sum, review) => sum + review.rating, 0) / total,
    studyDays: days.length,
    longestStreakDays: longest,
    firstReviewAt: reviews[0]?.reviewedAt ?? null,
    lastReviewAt: reviews[total - 1]?.reviewedAt ?? null,
    ratings,
  };
}
