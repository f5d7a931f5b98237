import { nextSchedule, progressOf, statsOf } from '../../../../example/services';
import type { ReviewRecord } from '../../../../example/repositories/study-repository';

// The scheduling and report functions the decorated methods cache (pure: no Redis, no database).
describe('SM-2 scheduling and the progress report', () => {
  const day = (n: number): Date => new Date(Date.UTC(2026, 0, 1 + n, 9));

  it('follows SM-2: intervals 1, 6, then interval x ease; a failed answer restarts at 1 day', () => {
    const first = nextSchedule(null, 5, day(0));
    expect(first).toMatchObject({
      repetitions: 1,
      intervalDays: 1,
      easeFactor: 2.6,
      nextReviewAt: day(1),
      lastReviewedAt: day(0),
    });
    const second = nextSchedule({ cardId: 'c', ...first }, 5, day(1));
    expect(second).toMatchObject({ repetitions: 2, intervalDays: 6, easeFactor: 2.7 });
    const third = nextSchedule({ cardId: 'c', ...second }, 4, day(7));
    expect(third).toMatchObject({ repetitions: 3, intervalDays: 16, easeFactor: 2.7 });
    const failed = nextSchedule({ cardId: 'c', ...third }, 1, day(23));
    expect(failed).toMatchObject({ repetitions: 0, intervalDays: 1, easeFactor: 2.7, nextReviewAt: day(24) });
    // Quality 3 lowers the factor by 0.14, never below 1.3.
    let schedule = nextSchedule(null, 3, day(0));
    expect(schedule.easeFactor).toBe(2.36);
    for (let i = 0; i < 20; i += 1) schedule = nextSchedule({ cardId: 'c', ...schedule }, 3, day(i));
    expect(schedule.easeFactor).toBe(1.3);
  });

  it('computes progress and stats from the history, the last answer of a card deciding mastery', () => {
    const review = (cardId: string, deckId: string, rating: number, intervalDays: number, at: Date): ReviewRecord => ({
      id: `${cardId}-${at.getTime()}`,
      userId: 'u',
      cardId,
      deckId,
      rating,
      intervalDays,
      easeFactor: 2.5,
      reviewedAt: at,
    });
    const history = [
      review('a', 'd1', 5, 6, day(0)),
      review('a', 'd1', 5, 21, day(1)),
      review('b', 'd1', 2, 1, day(2)),
      review('c', 'd2', 4, 30, day(4)),
      review('c', 'd2', 1, 1, day(5)),
    ];
    expect(progressOf('u', history)).toEqual({
      userId: 'u',
      cardsStudied: 3,
      cardsMastered: 1,
      reviews: 5,
      decks: [
        { deckId: 'd2', cardsStudied: 1, cardsMastered: 0, reviews: 2, lastReviewedAt: day(5) },
        { deckId: 'd1', cardsStudied: 2, cardsMastered: 1, reviews: 3, lastReviewedAt: day(2) },
      ],
    });
    expect(statsOf('u', history)).toEqual({
      userId: 'u',
      totalReviews: 5,
      cardsReviewed: 3,
      recalled: 3,
      recallRate: 0.6,
      averageRating: 3.4,
      studyDays: 5,
      longestStreakDays: 3,
      firstReviewAt: day(0),
      lastReviewAt: day(5),
      ratings: [0, 1, 1, 0, 1, 2],
    });
    expect(statsOf('u', [])).toMatchObject({
      totalReviews: 0,
      recallRate: 0,
      averageRating: 0,
      longestStreakDays: 0,
      firstReviewAt: null,
    });
  });
});
