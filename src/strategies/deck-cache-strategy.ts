import { CacheStrategy, type QueryPolicies } from '../cache/cache-strategy';
import { createSuperjsonSerializer } from '../cache/serializer';
import type { Deck } from '../domain';
import type { DeckRepository } from '../repositories';
import { cardKeys, deckKeys } from './key-schemas';

/** TTLs of deck caching, in seconds. */
export interface DeckCacheOptions {
  /** Seconds the active list and the per-level lists stay cached. @default 300 */
  listTtlSeconds?: number;
  /** Seconds a deck, and a deck with its cards, stay cached. @default 600 */
  detailTtlSeconds?: number;
  /** Seconds "no deck with this id" stays cached; 0 turns it off. @default 30 */
  negativeTtlSeconds?: number;
}

/** Deck caching: `decks:list`, `decks:list:level:{level}`, `decks:{id}`, `decks:{id}:full` (source document 000). */
export class DeckCacheStrategy extends CacheStrategy<Deck, DeckRepository> {
  static readonly DEFAULT_LIST_TTL_SECONDS = 300;
  static readonly DEFAULT_DETAIL_TTL_SECONDS = 600;

  readonly entityType = 'deck';
  readonly namespaces = [deckKeys.$namespace];
  readonly serializer = createSuperjsonSerializer();
  readonly queries: QueryPolicies<DeckRepository, Deck>;

  constructor(options: DeckCacheOptions = {}) {
    const listTtl = options.listTtlSeconds ?? DeckCacheStrategy.DEFAULT_LIST_TTL_SECONDS;
    const detailTtl = options.detailTtlSeconds ?? DeckCacheStrategy.DEFAULT_DETAIL_TTL_SECONDS;
    super({ entityTtlSeconds: detailTtl, negativeTtlSeconds: options.negativeTtlSeconds });
    this.queries = {
      findAll: { key: () => deckKeys.activeList(), ttlSeconds: listTtl },
      findByLevel: { key: (level) => deckKeys.byLevel({ level }), ttlSeconds: listTtl },
      findWithCards: { key: (id) => deckKeys.withCards({ id }), ttlSeconds: detailTtl, shape: 'one' },
    };
  }

  entityKey(id: string): string {
    return deckKeys.byId({ id });
  }

  /** `decks:list`, the level lists of both states, the deck with and without cards, and its card list. */
  affectedKeys(before: Deck | null, after: Deck | null): string[] {
    return this.keysOfStates(
      before,
      after,
      (deck) => [
        deckKeys.byId({ id: deck.id }),
        deckKeys.withCards({ id: deck.id }),
        deckKeys.byLevel({ level: deck.level }),
        cardKeys.byDeck({ deckId: deck.id }),
      ],
      [deckKeys.activeList()],
    );
  }
}
