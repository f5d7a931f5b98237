import type { CardSchedule, ScheduleUpdate } from '../../repositories/study-repository';

/**
 * SM-2 (P. A. Wozniak, "Optimization of learning", 1990; the algorithm as published at
 * https://super-memory.com/english/ol/sm2.htm), with the two common adjustments of its
 * implementations: a failed answer (quality < 3) restarts the repetitions without changing
 * the easiness factor, and the factor never falls below 1.3.
 */

/** Easiness factor of a card never reviewed. */
export const INITIAL_EASE_FACTOR = 2.5;
/** Lowest easiness factor (SM-2, step 5). */
export const MIN_EASE_FACTOR = 1.3;
/** Interval from which a card counts as mastered ("mature" in Anki's terms: 21 days or more). */
export const MASTERED_INTERVAL_DAYS = 21;

const DAY_MS = 86_400_000;

/**
 * The schedule after an answer of quality `rating` (0..5) at `now`, from `previous` (null
 * before the first answer).
 */
export function nextSchedule(previous: CardSchedule | null, rating: number, now: Date): ScheduleUpdate {
  const repetitions = previous?.repetitions ?? 0;
  const easeFactor = previous?.easeFactor ?? INITIAL_EASE_FACTOR;
  const recalled = rating >= 3;
  const nextRepetitions = recalled ? repetitions + 1 : 0;
  const intervalDays = !recalled
    ? 1
    : nextRepetitions === 1
      ? 1
      : nextRepetitions === 2
        ? 6
        : Math.round((previous?.intervalDays ?? 1) * easeFactor);
  const nextEase = recalled
    ? Math.max(MIN_EASE_FACTOR, easeFactor + (0.1 - (5 - rating) * (0.08 + (5 - rating) * 0.02)))
    : easeFactor;
  return {
    repetitions: nextRepetitions,
    intervalDays,
    easeFactor: Math.round(nextEase * 1000) / 1000,
    nextReviewAt: new Date(now.getTime() + intervalDays * DAY_MS),
    lastReviewedAt: now,
  };
}
