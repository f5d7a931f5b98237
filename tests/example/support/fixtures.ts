import {
  AudioFile,
  CefrLevel,
  Gender,
  Language,
  Rating,
  StoryLength,
  type Card,
  type Child,
  type Deck,
  type Hero,
  type Story,
} from '../../../example/domain';

const at = (iso: string): Date => new Date(iso);

export const sampleHero = (overrides: Partial<Hero> = {}): Hero => ({
  id: 'hero-1',
  name: 'Captain Kindness',
  language: Language.English,
  gender: Gender.Female,
  description: null,
  createdAt: at('2026-01-02T03:04:05.678Z'),
  updatedAt: at('2026-02-03T04:05:06.789Z'),
  ...overrides,
});

export const sampleChild = (overrides: Partial<Child> = {}): Child => ({
  id: 'child-1',
  name: 'Mila',
  age: 6,
  gender: Gender.Female,
  interests: ['dinosaurs', 'space'],
  createdAt: at('2026-01-05T00:00:00.000Z'),
  ...overrides,
});

export const sampleStory = (overrides: Partial<Story> = {}): Story => ({
  id: 'story-1',
  title: 'The Brave Little Lamp',
  content: 'Once upon a time...',
  language: Language.Russian,
  length: StoryLength.MEDIUM,
  childId: 'child-1',
  heroId: null,
  rating: new Rating(4),
  audioFile: new AudioFile('https://cdn.example.test/a.mp3', 182.5, 'mp3'),
  createdAt: at('2026-03-01T10:00:00.000Z'),
  ...overrides,
});

export const sampleDeck = (overrides: Partial<Deck> = {}): Deck => ({
  id: 'deck-1',
  name: 'Greek basics',
  description: 'First words',
  level: CefrLevel.A1,
  isActive: true,
  createdAt: at('2026-01-01T00:00:00.000Z'),
  updatedAt: at('2026-01-01T00:00:00.000Z'),
  ...overrides,
});

export const sampleCard = (overrides: Partial<Card> = {}): Card => ({
  id: 'card-1',
  deckId: 'deck-1',
  front: 'καλημέρα',
  back: 'good morning',
  example: null,
  orderIndex: 0,
  createdAt: at('2026-01-01T00:00:00.000Z'),
  updatedAt: at('2026-01-01T00:00:00.000Z'),
  ...overrides,
});
