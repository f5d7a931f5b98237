import { CefrLevel } from '../../../../example/domain';
import { cardCacheStrategy, deckCacheStrategy } from '../../../../example/strategies';
import { sampleCard, sampleDeck } from '../../support/fixtures';

// The cross-entity rules of REDIS_CACHE.md, section 3, that the generic conformance suite cannot know.
describe('deck and card invalidation', () => {
  it('a card moved between decks clears both decks, with and without cards, and both card lists', () => {
    const keys = cardCacheStrategy().affectedKeys(sampleCard({ deckId: 'd1' }), sampleCard({ deckId: 'd2' }));
    expect(keys.sort()).toEqual(
      [
        'cards:card-1',
        'cards:all',
        'cards:deck:d1',
        'cards:deck:d2',
        'decks:d1',
        'decks:d1:full',
        'decks:d2',
        'decks:d2:full',
      ].sort(),
    );
  });

  it('a deck level change clears the active list, both level lists, the deck and its card list', () => {
    const keys = deckCacheStrategy().affectedKeys(
      sampleDeck({ level: CefrLevel.A1 }),
      sampleDeck({ level: CefrLevel.C2 }),
    );
    expect(keys.sort()).toEqual(
      [
        'decks:list',
        'decks:list:level:A1',
        'decks:list:level:C2',
        'decks:deck-1',
        'decks:deck-1:full',
        'cards:deck:deck-1',
      ].sort(),
    );
  });

  it('uses the documented TTLs, in seconds', () => {
    const deck = deckCacheStrategy();
    expect(deck.queries.findAll?.ttlSeconds).toBe(300);
    expect(deck.queries.findWithCards?.ttlSeconds).toBe(600);
    expect(deck.entityTtlSeconds).toBe(600);
    expect(cardCacheStrategy().entityTtlSeconds).toBe(300);
  });
});
