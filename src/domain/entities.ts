import type { CefrLevel, Gender, Language } from './enums';
import type { AudioFile, Rating, StoryLength } from './value-objects';
import type { Entity } from './entity';

export interface Hero extends Entity {
  name: string;
  language: Language;
  gender: Gender;
  description: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface Child extends Entity {
  name: string;
  /** Age in years. */
  age: number;
  gender: Gender;
  interests: string[];
  createdAt: Date;
}

export interface Story extends Entity {
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

export interface Deck extends Entity {
  name: string;
  description: string | null;
  level: CefrLevel;
  isActive: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface Card extends Entity {
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
