/**
 * The achievements a learner can earn. Awards store the code and the points of the entry; the
 * catalog is code, so it changes only with a release (a new release that changes an entry
 * should bump the achievement keys' schema version, see REDIS_CACHE.md "Key schema").
 */

export type AchievementCategory = 'study' | 'streak' | 'mastery';

/** One entry of the catalog. */
export interface AchievementDefinition {
  code: string;
  title: string;
  description: string;
  category: AchievementCategory;
  points: number;
}

const entries: AchievementDefinition[] = [
  { code: 'first_review', title: 'First steps', description: 'Answer your first card.', category: 'study', points: 10 },
  { code: 'ten_reviews', title: 'Warming up', description: 'Answer 10 cards.', category: 'study', points: 20 },
  { code: 'hundred_reviews', title: 'Centurion', description: 'Answer 100 cards.', category: 'study', points: 50 },
  { code: 'deck_started', title: 'Explorer', description: 'Start a deck.', category: 'study', points: 10 },
  { code: 'streak_3', title: 'On a roll', description: 'Study three days in a row.', category: 'streak', points: 30 },
  {
    code: 'streak_7',
    title: 'Week of Greek',
    description: 'Study seven days in a row.',
    category: 'streak',
    points: 70,
  },
  {
    code: 'perfect_ten',
    title: 'Perfect ten',
    description: 'Recall ten cards in a row perfectly.',
    category: 'mastery',
    points: 40,
  },
  {
    code: 'first_mastered',
    title: 'It sticks',
    description: 'Master a card (21 days or more until its next review).',
    category: 'mastery',
    points: 60,
  },
];

/** The catalog by code. */
export const ACHIEVEMENTS: ReadonlyMap<string, AchievementDefinition> = new Map(
  entries.map((entry) => [entry.code, Object.freeze(entry)]),
);
