import { isDeepStrictEqual } from 'node:util';
import type { DependencyContainer } from 'tsyringe';
import type { CacheService } from 'cachedrepo';
import { TOKENS } from '../index';
import { Language, type Hero } from '../index';
import type { SeedSummary } from '../index';
import { cardKeys, deckKeys, heroKeys } from '../index';
import { check, heading, line, ms, table } from './report';
import { measureRounds, type Latencies } from './workloads';

export async function scenarioBaseline(container: DependencyContainer, seed: SeedSummary): Promise<Latencies> {
  heading('Scenario 1: without caching (baseline): every read goes to SQLite through Prisma');
  // A warm-up round (Prisma compiles a query on its first use; SQLite's page cache), then three measured.
  const baseline = await measureRounds(container, seed, 3, { warmUp: true });
  table([
    ['read', 'median read (3 rounds)'],
    ...Object.entries(baseline).map(([name, latency]) => [name, ms(latency)]),
  ]);
  return baseline;
}

/**
 * Prints whether each key holds an entry, and returns the answers. Waits first for the stores that
 * earlier misses sent behind their callers, so that what it shows does not depend on timing.
 */
async function showKeys(cache: CacheService, keys: string[]): Promise<boolean[]> {
  await cache.storesSettled();
  const present = await Promise.all(keys.map(async (key) => (await cache.read(key)).kind === 'value'));
  keys.forEach((key, index) => line(`    ${present[index] ? 'cached ' : 'absent '} ${cache.fullKey(key)}`));
  return present;
}

export async function scenarioInvalidation(container: DependencyContainer, seed: SeedSummary): Promise<void> {
  heading('Scenario 3: invalidation: writes clear exactly the keys they make stale');
  const cache = container.resolve(TOKENS.CacheService);
  const heroes = container.resolve(TOKENS.HeroRepository);
  const hero = (await heroes.findByLanguage(Language.English))[0] as Hero;
  await heroes.findById(hero.id);
  await heroes.findByLanguage(Language.French);
  const heroKeysShown = [
    heroKeys.byId({ id: hero.id }),
    heroKeys.byLanguage({ language: 'en' }),
    heroKeys.byLanguage({ language: 'fr' }),
    heroKeys.all(),
  ];
  await heroes.findAll();
  line(`\n  (a) ${hero.name} moves from English to French. Before the write:`);
  await showKeys(cache, heroKeysShown);
  await heroes.update(hero.id, { language: Language.French });
  line('  After heroes.update(id, { language: fr }):');
  check(
    (await showKeys(cache, heroKeysShown)).every((present) => !present),
    'the hero, both language lists and hero:all were invalidated',
  );
  check((await heroes.findById(hero.id))?.language === Language.French, 'the next findById returns the hero in French');
  check(
    !(await heroes.findByLanguage(Language.English)).some((h) => h.id === hero.id),
    'the English list no longer holds the hero',
  );
  check(
    (await heroes.findByLanguage(Language.French)).some((h) => h.id === hero.id),
    'the French list now holds the hero',
  );

  const decks = container.resolve(TOKENS.DeckRepository);
  const cards = container.resolve(TOKENS.CardRepository);
  const deckId = seed.ids.decks[0] as string;
  const card = (await cards.findByDeckId(deckId))[0]!;
  await Promise.all([decks.findWithCards(deckId), decks.findById(deckId), cards.findById(card.id)]);
  const cardKeysShown = [
    cardKeys.byId({ id: card.id }),
    cardKeys.byDeck({ deckId }),
    deckKeys.byId({ id: deckId }),
    deckKeys.withCards({ id: deckId }),
  ];
  line(`\n  (b) Card "${card.front}" -> "${card.back}" is edited. Before the write:`);
  await showKeys(cache, cardKeysShown);
  const newBack = `${card.back} (edited)`;
  await cards.update(card.id, { back: newBack });
  line('  After cards.update(id, { back }):');
  check(
    (await showKeys(cache, cardKeysShown)).every((present) => !present),
    'the card, its deck card list and the deck (with and without cards) were invalidated',
  );
  check((await cards.findById(card.id))?.back === newBack, 'the next findById returns the edited card');
  check(
    (await decks.findWithCards(deckId))?.cards.find((c) => c.id === card.id)?.back === newBack,
    'the deck with cards shows the edit',
  );
}

export async function scenarioDegradation(
  container: DependencyContainer,
  plain: DependencyContainer,
  seed: SeedSummary,
  makeRedisUnreachable: () => Promise<string>,
): Promise<void> {
  heading('Scenario 4: graceful degradation: Redis is unreachable, the application carries on');
  line(`  ${await makeRedisUnreachable()}`);
  const heroes = container.resolve(TOKENS.HeroRepository);
  const truth = plain.resolve(TOKENS.HeroRepository);
  const decks = container.resolve(TOKENS.DeckRepository);
  const plainDecks = plain.resolve(TOKENS.DeckRepository);
  let thrown: unknown = null;
  let correct = true;
  let reads = 0;
  const start = process.hrtime.bigint();
  try {
    for (const id of seed.ids.heroes) {
      correct &&= isDeepStrictEqual(await heroes.findById(id), await truth.findById(id));
      reads += 1;
    }
    for (const language of Object.values(Language)) {
      correct &&= isDeepStrictEqual(await heroes.findByLanguage(language), await truth.findByLanguage(language));
      reads += 1;
    }
    for (const id of seed.ids.decks) {
      correct &&= isDeepStrictEqual(await decks.findWithCards(id), await plainDecks.findWithCards(id));
      reads += 1;
    }
  } catch (error) {
    thrown = error;
  }
  const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
  check(thrown === null, `nothing threw${thrown ? `: ${String(thrown)}` : ''}`);
  check(
    correct,
    `${reads} reads returned exactly what the database holds ` +
      `(${ms(elapsedMs / Math.max(reads, 1) / 2)} per read, cached and plain alternating)`,
  );
  const id = seed.ids.heroes[1] as string;
  const updated = await heroes.update(id, { description: 'Written while Redis was down.' });
  check(
    updated.description === 'Written while Redis was down.',
    'a write succeeded (the database is the source of truth)',
  );
  check((await heroes.findById(id))?.description === updated.description, 'and the next read returns it');
  const stats = container.resolve(TOKENS.CacheService).stats.snapshot();
  line(
    `  Redis failures counted and turned into misses: ${stats.map((s) => `${s.entityType} ${s.errors}`).join(', ')}`,
  );
}
