import { defineKeySchema } from 'cachedrepo';

/**
 * The whole key schema in one place (unprefixed; the CacheService adds CACHE_KEY_PREFIX).
 * Patterns from the source documents, see REDIS_CACHE.md "Key schema".
 */
export const heroKeys = defineKeySchema({
  byId: 'hero:{id}',
  byLanguage: 'hero:lang:{language}',
  byName: 'hero:name:{name}',
  all: 'hero:all',
});

export const childKeys = defineKeySchema({
  byId: 'child:{id}',
  byName: 'child:name:{name}',
  exact: 'child:exact:{name}:{age}:{gender}',
  all: 'child:all',
});

export const storyKeys = defineKeySchema({
  byId: 'story:{id}',
  byChild: 'story:child:{childId}',
  byLanguage: 'story:lang:{language}',
  all: 'story:all',
});

export const deckKeys = defineKeySchema({
  activeList: 'decks:list',
  byLevel: 'decks:list:level:{level}',
  byId: 'decks:{id}',
  withCards: 'decks:{id}:full',
});

export const cardKeys = defineKeySchema({
  byId: 'cards:{id}',
  byDeck: 'cards:deck:{deckId}',
  all: 'cards:all',
});
