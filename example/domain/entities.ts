import type { CefrLevel, Gender, Language } from './enums';
import type { AudioFile, Rating, StoryLength } from './value-objects';

export interface Hero {
  readonly id: string;
  name: string;
  language: Language;
  gender: Gender;
  description: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface Child {
  readonly id: string;
  name: string;
  /** Age in years. */
  age: number;
  gender: Gender;
  interests: string[];
  createdAt: Date;
}

export interface Story {
  readonly id: string;
  title: string;
  content: string;
  language: Language;
  length: StoryLength;
  childId: string;
  heroId: string | null;
  rating: Rating | null;
  audioFile: AudioFile | null;
  createdAt: Date;
}

export interface Deck {
  readonly id: string;
  name: string;
  description: string | null;
  level: CefrLevel;
  isActive: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface Card {
  readonly id: string;
  deckId: string;
  front: string;
  back: string;
  example: string | null;
  /** Position of the card in its deck, from 0. */
  orderIndex: number;
  createdAt: Date;
  updatedAt: Date;
}

/** A deck with its cards in `orderIndex` order. */
export interface DeckWithCards extends Deck {
  cards: Card[];
}
