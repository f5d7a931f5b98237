import { defineCacheStrategy, type CacheStrategy } from 'cachedrepo';
import type { Card } from '../domain';
import type { CardRepository } from '../repositories';
import { READ_MOSTLY_NEAR_CACHE, type EntityTtlOptions } from './entity-ttl-options';
import { cardKeys, deckKeys } from './key-schemas';
import { keyState, textColumn } from './row-images';

/** Default TTL of cards, in seconds (the deck caching plan, REDIS_CACHE.md section 2). */
export const CARD_TTL_SECONDS = 300;

/**
 * Card caching (near cache on by default): `cards:{id}`, `cards:deck:{deckId}`, `cards:all`. A write clears the card,
 * `cards:all`, and for the old and the new deck its card list, the deck, and the deck with cards.
 */
export function cardCacheStrategy(options: EntityTtlOptions = {}): CacheStrategy<Card, CardRepository> {
  return defineCacheStrategy<Card, CardRepository>({
    entityType: 'card',
    namespaces: [cardKeys.$namespace],
    ttlSeconds: options.ttlSeconds ?? CARD_TTL_SECONDS,
    negativeTtlSeconds: options.negativeTtlSeconds,
    nearCache: options.nearCache === undefined ? READ_MOSTLY_NEAR_CACHE : (options.nearCache ?? undefined),
    entityKey: (id) => cardKeys.byId({ id }),
    queries: {
      findAll: { key: () => cardKeys.all() },
      findByDeckId: { key: (deckId) => cardKeys.byDeck({ deckId }) },
    },
    keysOf: (card) => [
      cardKeys.byId({ id: card.id }),
      cardKeys.byDeck({ deckId: card.deckId }),
      deckKeys.byId({ id: card.deckId }),
      deckKeys.withCards({ id: card.deckId }),
    ],
    alwaysAffected: [cardKeys.all()],
    capture: [
      {
        table: 'Card',
        columns: ['id', 'deckId'],
        toEntity: (row) => keyState<Card>({ id: textColumn(row, 'id'), deckId: textColumn(row, 'deckId') }),
      },
    ],
  });
}
