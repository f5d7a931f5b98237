import { CefrLevel, Language, type Card, type Child, type Deck, type Hero, type Story } from '../../../src/domain';
import { cardCacheStrategy, childCacheStrategy, deckCacheStrategy, heroCacheStrategy, storyCacheStrategy } from '../../../src/strategies';
import { sampleCard, sampleChild, sampleDeck, sampleHero, sampleStory } from '../../support/fixtures';
import { runStrategyConformance, type StrategyCase } from '../../support/strategy-conformance';

// One row per strategy: a new entity is covered by adding its row.
const cases = [
  {
    name: 'hero',
    strategy: heroCacheStrategy(),
    samples: [sampleHero({ description: 'Helps everyone' }), sampleHero({ id: 'all', name: 'A:*?[x]' })],
    change: (hero: Hero) => ({ ...hero, language: Language.French, name: `${hero.name} II` }),
    queriesHolding: (hero: Hero) => [['findAll', []], ['findByLanguage', [hero.language]], ['findByName', [hero.name]]],
  } satisfies StrategyCase<Hero>,
  {
    name: 'child',
    strategy: childCacheStrategy(),
    samples: [sampleChild(), sampleChild({ id: 'x:y', name: 'Zoë *', interests: [] })],
    change: (child: Child) => ({ ...child, age: child.age + 1 }),
    queriesHolding: (child: Child) => [['findAll', []], ['findByName', [child.name]], ['findExact', [child.name, child.age, child.gender]]],
  } satisfies StrategyCase<Child>,
  {
    name: 'story',
    strategy: storyCacheStrategy(),
    samples: [sampleStory({ heroId: 'hero-1' }), sampleStory({ id: 'story-2', rating: null, audioFile: null })],
    change: (story: Story) => ({ ...story, language: Language.German, childId: 'child-2' }),
    queriesHolding: (story: Story) => [['findAll', []], ['findByChildId', [story.childId]], ['findByLanguage', [story.language]]],
  } satisfies StrategyCase<Story>,
  {
    name: 'deck',
    strategy: deckCacheStrategy(),
    samples: [sampleDeck(), sampleDeck({ id: 'list', description: null, isActive: false })],
    change: (deck: Deck) => ({ ...deck, level: CefrLevel.B2 }),
    queriesHolding: (deck: Deck) => [['findAll', []], ['findByLevel', [deck.level]], ['findWithCards', [deck.id]]],
  } satisfies StrategyCase<Deck>,
  {
    name: 'card',
    strategy: cardCacheStrategy(),
    samples: [sampleCard({ example: 'Καλημέρα σας!' }), sampleCard({ id: 'deck' })],
    change: (card: Card) => ({ ...card, deckId: 'deck-2' }),
    queriesHolding: (card: Card) => [['findAll', []], ['findByDeckId', [card.deckId]]],
  } satisfies StrategyCase<Card>,
];

for (const testCase of cases) runStrategyConformance(testCase as unknown as StrategyCase<{ id: string }>);
