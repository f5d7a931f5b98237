import { mulberry32 } from '../seeded-random';
import { AudioFile, CefrLevel, Language, Rating, StoryLength, type AudioFormat, type Hero } from '../../domain';
import type {
  CardRepository,
  ChildRepository,
  DeckRepository,
  HeroRepository,
  StoryRepository,
} from '../../repositories';
import * as data from './seed-data';
import { seedStudyData, type StudySeedRepositories } from './seed-study';

export interface SeedRepositories {
  heroes: HeroRepository;
  children: ChildRepository;
  stories: StoryRepository;
  decks: DeckRepository;
  cards: CardRepository;
  /** With these, learners, their reviews and achievements are seeded too (seed-study.ts). */
  study?: StudySeedRepositories;
}

export interface SeedOptions {
  /** Number of heroes (default 40), spread over all six languages. */
  heroes?: number;
  /** Seed of the pseudo-random choices (default 42): the same seed writes the same data. */
  seed?: number;
}

type Counts = {
  heroes: number;
  children: number;
  stories: number;
  decks: number;
  cards: number;
  users: number;
  reviews: number;
  achievements: number;
};
export interface SeedSummary {
  counts: Counts;
  ids: { [K in Exclude<keyof Counts, 'reviews' | 'achievements'>]: string[] };
  durationMs: number;
}

const LANGUAGES = Object.values(Language);
const LENGTHS = [StoryLength.SHORT, StoryLength.MEDIUM, StoryLength.LONG];
const AUDIO_FORMATS: AudioFormat[] = ['mp3', 'ogg', 'wav'];

/**
 * Runs `write` over `items` one at a time, in order. SQLite serializes writes anyway: 1, 4, 16 and
 * 64 writes in flight all took the same time here (about 1.6 ms a write, ~0.4 s for the default set).
 */
async function inOrder<I, O>(items: readonly I[], write: (item: I, index: number) => Promise<O>): Promise<O[]> {
  const results: O[] = [];
  for (const [index, item] of items.entries()) results.push(await write(item, index));
  return results;
}

const at = <T>(items: readonly T[], index: number): T => items[index % items.length] as T;
const range = (count: number): number[] => Array.from({ length: count }, (_, index) => index);

/**
 * Writes a realistic, deterministic data set through the repository ports: heroes in every
 * language, children with interests and 2-4 stories each (ratings, some narrations), and two
 * Greek vocabulary decks per CEFR level (the last one inactive) with 8-12 cards each.
 */
export async function seedDatabase(repos: SeedRepositories, options: SeedOptions = {}): Promise<SeedSummary> {
  const started = performance.now();
  const rng = mulberry32(options.seed ?? 42);

  const heroes = await inOrder(range(options.heroes ?? 40), (i) => {
    const language = at(LANGUAGES, i);
    const names = data.HERO_NAMES[language];
    const [baseName, gender] = at(names, Math.floor(i / LANGUAGES.length));
    const round = Math.floor(i / (LANGUAGES.length * names.length));
    const epithet =
      round === 0 ? '' : ` ${at(data.EPITHETS, round - 1)}${round > data.EPITHETS.length ? ` ${round}` : ''}`;
    const role = rng.pick(data.HERO_ROLES);
    const description =
      `${/^[aeiou]/.test(role) ? 'An' : 'A'} ${role} from ` +
      `${rng.pick(data.HERO_PLACES[language])} who ${rng.pick(data.HERO_DEEDS)}.`;
    return repos.heroes.save({
      name: baseName + epithet,
      language,
      gender,
      description: i % 9 === 8 ? null : description,
    });
  });

  const children = await inOrder(data.CHILDREN, ([name, age, gender]) => {
    const interests = [...new Set(range(rng.int(2, 4)).map(() => rng.pick(data.INTERESTS)))];
    return repos.children.save({ name, age, gender, interests });
  });

  const storyInputs = children.flatMap((child) =>
    range(rng.int(2, 4)).map(() => {
      const language = rng.next() < 0.5 ? Language.English : rng.pick(LANGUAGES);
      const candidates = heroes.filter((hero) => hero.language === language);
      const hero: Hero | null = candidates.length > 0 && rng.next() < 0.8 ? rng.pick(candidates) : null;
      const object = rng.pick(data.STORY_OBJECTS);
      const interest = rng.pick(child.interests);
      return { child, language, hero, object, interest };
    }),
  );
  const stories = await inOrder(storyInputs, ({ child, language, hero, object, interest }, i) => {
    const heroName = hero?.name ?? child.name;
    return repos.stories.save({
      title: `${heroName} and the ${object}`,
      content:
        `Once upon a time ${heroName} found the ${object.toLowerCase()}. ` +
        `${child.name}, who loves ${interest}, followed every step of the adventure. ` +
        `By bedtime the mystery was solved, and everyone was home safe and sound.`,
      language,
      length: at(LENGTHS, i),
      childId: child.id,
      heroId: hero?.id ?? null,
      rating: i % 4 === 3 ? null : new Rating(rng.int(3, 5)),
      audioFile:
        i % 3 === 0
          ? new AudioFile(
              `https://cdn.example.com/audio/stories/story-${i + 1}.${at(AUDIO_FORMATS, i)}`,
              rng.int(600, 6000) / 10,
              at(AUDIO_FORMATS, i),
            )
          : null,
    });
  });

  const levels = Object.values(CefrLevel);
  const deckInputs = levels.flatMap((level) => {
    const [first, second, theme] = data.DECKS[level];
    const firstSize = rng.int(8, 12);
    const secondSize = rng.int(8, data.VOCABULARY[level].length - firstSize);
    return [
      { level, name: `${level} ${first}`, theme, words: data.VOCABULARY[level].slice(0, firstSize) },
      {
        level,
        name: `${level} ${second}`,
        theme,
        words: data.VOCABULARY[level].slice(firstSize, firstSize + secondSize),
      },
    ];
  });
  const decks = await inOrder(deckInputs, ({ level, name, theme, words }, i) =>
    repos.decks.save({
      name,
      level,
      description: `Greek for English speakers, ${level}: ${theme.toLowerCase()} (${words.length} words).`,
      isActive: i !== deckInputs.length - 1,
    }),
  );

  const cardInputs = decks.flatMap((deck, d) =>
    (deckInputs[d]?.words ?? []).map((entry, orderIndex) => ({ deck, entry, orderIndex })),
  );
  const cards = await inOrder(cardInputs, ({ deck, entry, orderIndex }) => {
    const [front = '', back = '', example = null] = entry.split('|');
    return repos.cards.save({ deckId: deck.id, front, back, example, orderIndex });
  });

  const study = repos.study
    ? await seedStudyData(repos.study, decks, cards, { rng })
    : { userIds: [], reviews: 0, achievements: 0 };

  const ids = {
    users: study.userIds,
    heroes: heroes.map((e) => e.id),
    children: children.map((e) => e.id),
    stories: stories.map((e) => e.id),
    decks: decks.map((e) => e.id),
    cards: cards.map((e) => e.id),
  };
  const counts = {
    heroes: heroes.length,
    children: children.length,
    stories: stories.length,
    decks: decks.length,
    cards: cards.length,
    users: study.userIds.length,
    reviews: study.reviews,
    achievements: study.achievements,
  };
  return { counts, ids, durationMs: Math.round(performance.now() - started) };
}
