import { runStrategyConformance } from 'cachedrepo/testing';
import { AudioFile, CefrLevel, Gender, Language, Rating, StoryLength } from '../../../../example/domain';
import {
  cardCacheStrategy,
  childCacheStrategy,
  deckCacheStrategy,
  heroCacheStrategy,
  storyCacheStrategy,
} from '../../../../example/strategies';
import { sampleCard, sampleChild, sampleDeck, sampleHero, sampleStory } from '../../support/fixtures';

// The shipped conformance suite (cachedrepo/testing) over the five strategies. The
// queries come from each strategy; `holding` says, for each cacheable query of the
// repository, which call's result holds an entity (the compiler rejects a forgotten one).
// The suite varies every field of every sample on its own; enum-like fields and value
// objects vary through `alternatives`.
const runner = { describe, it };
const languages = Object.values(Language);
const genders = Object.values(Gender);

runStrategyConformance(runner, {
  strategy: heroCacheStrategy(),
  samples: [sampleHero({ description: 'Helps everyone' }), sampleHero({ id: 'all', name: 'A:*?[x]' })],
  holding: { findAll: () => [], findByLanguage: (hero) => [hero.language], findByName: (hero) => [hero.name] },
  alternatives: { language: languages, gender: genders },
});

runStrategyConformance(runner, {
  strategy: childCacheStrategy(),
  samples: [sampleChild(), sampleChild({ id: 'x:y', name: 'Zoë *', interests: [] })],
  holding: {
    findAll: () => [],
    findByName: (child) => [child.name],
    findExact: (child) => [child.name, child.age, child.gender],
  },
  alternatives: { gender: genders },
});

runStrategyConformance(runner, {
  strategy: storyCacheStrategy(),
  samples: [sampleStory({ heroId: 'hero-1' }), sampleStory({ id: 'story-2', rating: null, audioFile: null })],
  holding: {
    findAll: () => [],
    findByChildId: (story) => [story.childId],
    findByLanguage: (story) => [story.language],
  },
  alternatives: {
    language: languages,
    length: [StoryLength.SHORT, StoryLength.MEDIUM, StoryLength.LONG],
    rating: [null, new Rating(1), new Rating(5)],
    audioFile: [null, new AudioFile('https://cdn.example.test/b.ogg', 60, 'ogg')],
  },
});

runStrategyConformance(runner, {
  strategy: deckCacheStrategy(),
  samples: [sampleDeck(), sampleDeck({ id: 'list', description: null, isActive: false })],
  // findAll and findByLevel list active decks only; findWithCards holds every deck.
  holding: {
    findAll: (deck) => (deck.isActive ? [] : null),
    findByLevel: (deck) => (deck.isActive ? [deck.level] : null),
    findWithCards: (deck) => [deck.id],
  },
  alternatives: { level: Object.values(CefrLevel) },
});

runStrategyConformance(runner, {
  strategy: cardCacheStrategy(),
  samples: [sampleCard({ example: 'Καλημέρα σας!' }), sampleCard({ id: 'deck', deckId: 'full' })],
  holding: { findAll: () => [], findByDeckId: (card) => [card.deckId] },
});
