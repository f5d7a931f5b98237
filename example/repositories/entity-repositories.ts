import type { CefrLevel, Card, Child, Deck, DeckWithCards, Gender, Hero, Language, Story } from '../domain';
import type { Repository } from 'cachedrepo';

export interface HeroRepository extends Repository<Hero> {
  findByLanguage(language: Language): Promise<Hero[]>;
  /** Heroes with exactly this name (names are not unique). */
  findByName(name: string): Promise<Hero[]>;
}

export interface ChildRepository extends Repository<Child> {
  findByName(name: string): Promise<Child[]>;
  findExact(name: string, age: number, gender: Gender): Promise<Child | null>;
}

export interface StoryRepository extends Repository<Story> {
  findByChildId(childId: string): Promise<Story[]>;
  findByLanguage(language: Language): Promise<Story[]>;
}

export interface DeckRepository extends Repository<Deck> {
  /** Active decks only, by level then name. */
  findAll(): Promise<Deck[]>;
  /** Active decks of one level, by name. */
  findByLevel(level: CefrLevel): Promise<Deck[]>;
  /** A deck with its cards in order, or `null`. */
  findWithCards(id: string): Promise<DeckWithCards | null>;
}

export interface CardRepository extends Repository<Card> {
  /** Cards of a deck in `orderIndex` order. */
  findByDeckId(deckId: string): Promise<Card[]>;
}
