import { defineCacheStrategy, type CacheStrategy } from 'cachedrepo';
import type { CefrLevel, Deck } from '../domain';
import type { DeckRepository } from '../repositories';
import type { NearCacheOptions } from 'cachedrepo';
import { READ_MOSTLY_NEAR_CACHE } from './entity-ttl-options';
import { cardKeys, deckKeys } from './key-schemas';
import { keyState, textColumn } from './row-images';

/** Default TTLs of decks, in seconds (the deck caching plan, REDIS_CACHE.md section 2). */
export const DECK_LIST_TTL_SECONDS = 300;
export const DECK_DETAIL_TTL_SECONDS = 600;

/** TTLs of deck caching, in seconds. */
export interface DeckCacheOptions {
  /** Seconds the active list and the per-level lists stay cached. @default 300 */
  listTtlSeconds?: number;
  /** Seconds a deck, and a deck with its cards, stay cached. @default 600 */
  detailTtlSeconds?: number;
  /** Seconds "no deck with this id" stays cached; 0 turns it off. @default 30 */
  negativeTtlSeconds?: number;
  /** The near cache of decks; null turns it off. @default READ_MOSTLY_NEAR_CACHE (decks are read-mostly) */
  nearCache?: NearCacheOptions | null;
}

/**
 * Deck caching (near cache on by default): `decks:list`, `decks:list:level:{level}`, `decks:{id}`, `decks:{id}:full`. A
 * write clears the active list, the level lists of both states, the deck with and without cards, and its card list.
 */
export function deckCacheStrategy(options: DeckCacheOptions = {}): CacheStrategy<Deck, DeckRepository> {
  const listTtlSeconds = options.listTtlSeconds ?? DECK_LIST_TTL_SECONDS;
  return defineCacheStrategy<Deck, DeckRepository>({
    entityType: 'deck',
    namespaces: [deckKeys.$namespace],
    ttlSeconds: options.detailTtlSeconds ?? DECK_DETAIL_TTL_SECONDS,
    negativeTtlSeconds: options.negativeTtlSeconds,
    nearCache: options.nearCache === undefined ? READ_MOSTLY_NEAR_CACHE : (options.nearCache ?? undefined),
    entityKey: (id) => deckKeys.byId({ id }),
    queries: {
      findAll: { key: () => deckKeys.activeList(), ttlSeconds: listTtlSeconds },
      findByLevel: { key: (level) => deckKeys.byLevel({ level }), ttlSeconds: listTtlSeconds },
      findWithCards: { key: (id) => deckKeys.withCards({ id }), shape: 'one' },
    },
    keysOf: (deck) => [
      deckKeys.byId({ id: deck.id }),
      deckKeys.withCards({ id: deck.id }),
      deckKeys.byLevel({ level: deck.level }),
      cardKeys.byDeck({ deckId: deck.id }),
    ],
    alwaysAffected: [deckKeys.activeList()],
    capture: [
      {
        table: 'Deck',
        columns: ['id', 'level'],
        toEntity: (row) => keyState<Deck>({ id: textColumn(row, 'id'), level: textColumn(row, 'level') as CefrLevel }),
      },
    ],
  });
}
