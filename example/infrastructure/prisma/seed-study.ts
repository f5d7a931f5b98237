import type { Card, Deck } from '../../domain';
import type { AchievementRepository } from '../../repositories/achievement-repository';
import type { StudyRepository } from '../../repositories/study-repository';
import { ACHIEVEMENTS } from '../../services/achievements/achievement-catalog';
import { nextSchedule } from '../../services/progress/sm2';
import { mulberry32, type Random } from '../seeded-random';

/** The ports the study seed writes through. */
export interface StudySeedRepositories {
  study: StudyRepository;
  achievements: AchievementRepository;
}

/** What {@link seedStudyData} wrote. */
export interface StudySeedSummary {
  userIds: string[];
  reviews: number;
  achievements: number;
}

/** Learners of the seed: [name, email]. */
const LEARNERS: readonly [string, string][] = [
  ['Eleni Papadaki', 'eleni@example.com'],
  ['Tom Becker', 'tom@example.com'],
  ['Aiko Tanaka', 'aiko@example.com'],
  ['Lucas Moreau', 'lucas@example.com'],
  ['Sofia Rossi', 'sofia@example.com'],
  ['Nikos Georgiou', 'nikos@example.com'],
];

const DAY_MS = 86_400_000;

/**
 * Learners with a study history: each starts one to three of the first active decks some days
 * ago, answers a few cards on each day since (SM-2 ratings drawn from `rng`, mostly recalled),
 * and earns the achievements that history deserves. Cards started but never answered are due
 * now, so every learner has due cards. Writes go through the ports, recording no invalidation:
 * seed before the cache serves (as the example and `npm run serve` do).
 * @param options.rng the pseudo-random source (default: seed 42); options.now the present (default: now)
 */
export async function seedStudyData(
  repos: StudySeedRepositories,
  decks: readonly Deck[],
  cards: readonly Card[],
  options: { rng?: Random; now?: Date } = {},
): Promise<StudySeedSummary> {
  const rng = options.rng ?? mulberry32(42);
  const now = options.now ?? new Date();
  const active = decks.filter((deck) => deck.isActive);
  const userIds: string[] = [];
  let reviews = 0;
  let achievements = 0;
  for (const [index, [name, email]] of LEARNERS.entries()) {
    const user = await repos.study.createUser({ name, email });
    userIds.push(user.id);
    const started = active.slice(index % 3, (index % 3) + 1 + (index % 3));
    const own = cards.filter((card) => started.some((deck) => deck.id === card.deckId));
    const days = rng.int(2, 9);
    const startedAt = new Date(now.getTime() - (days + 1) * DAY_MS);
    await repos.study.enroll(
      user.id,
      own.map((card) => card.id),
      startedAt,
      [],
    );
    const earned: [string, Date][] = [['deck_started', startedAt]];
    let answered = 0;
    for (let day = days; day >= 1; day -= 1) {
      for (let i = rng.int(3, 7); i > 0; i -= 1) {
        const card = rng.pick(own);
        const rating = rng.chance(0.8) ? rng.int(3, 5) : rng.int(0, 2);
        const reviewedAt = new Date(now.getTime() - day * DAY_MS + i * 60_000);
        await repos.study.recordReview(
          { userId: user.id, cardId: card.id, deckId: card.deckId, rating, reviewedAt },
          (previous) => nextSchedule(previous, rating, reviewedAt),
          [],
        );
        answered += 1;
        if (answered === 1) earned.push(['first_review', reviewedAt]);
        if (answered === 10) earned.push(['ten_reviews', reviewedAt]);
      }
      if (days - day + 1 === 3) earned.push(['streak_3', new Date(now.getTime() - day * DAY_MS + DAY_MS / 2)]);
    }
    reviews += answered;
    for (const [code, awardedAt] of earned) {
      const points = ACHIEVEMENTS.get(code)?.points ?? 0;
      await repos.achievements.award({ userId: user.id, code, points, awardedAt }, []);
      achievements += 1;
    }
  }
  return { userIds, reviews, achievements };
}
