import { CacheStrategy, type EntityCacheTtlOptions, type QueryPolicies } from '../cache/cache-strategy';
import { createSuperjsonSerializer } from '../cache/serializer';
import type { Card } from '../domain';
import type { CardRepository } from '../repositories';
import { cardKeys, deckKeys } from './key-schemas';

/** Card caching: `cards:{id}`, `cards:deck:{deckId}`, `cards:all` (source document 000). */
export class CardCacheStrategy extends CacheStrategy<Card, CardRepository> {
  static readonly DEFAULT_TTL_SECONDS = 300;

  readonly entityType = 'card';
  readonly namespaces = [cardKeys.$namespace];
  readonly serializer = createSuperjsonSerializer();
  readonly queries: QueryPolicies<CardRepository, Card>;

  /** @param options TTLs in seconds; `ttlSeconds` @default 300 */
  constructor(options: EntityCacheTtlOptions = {}) {
    const ttlSeconds = options.ttlSeconds ?? CardCacheStrategy.DEFAULT_TTL_SECONDS;
    super({ entityTtlSeconds: ttlSeconds, negativeTtlSeconds: options.negativeTtlSeconds });
    this.queries = {
      findAll: { key: () => cardKeys.all(), ttlSeconds },
      findByDeckId: { key: (deckId) => cardKeys.byDeck({ deckId }), ttlSeconds },
    };
  }

  entityKey(id: string): string {
    return cardKeys.byId({ id });
  }

  /** The card, `cards:all`, and for the old and the new deck: its card list, the deck, and the deck with cards. */
  affectedKeys(before: Card | null, after: Card | null): string[] {
    return this.keysOfStates(
      before,
      after,
      (card) => [
        cardKeys.byId({ id: card.id }),
        cardKeys.byDeck({ deckId: card.deckId }),
        deckKeys.byId({ id: card.deckId }),
        deckKeys.withCards({ id: card.deckId }),
      ],
      [cardKeys.all()],
    );
  }
}
