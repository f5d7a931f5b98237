import { isDeepStrictEqual } from 'node:util';
import type { DependencyContainer } from 'tsyringe';
import type { CacheService } from 'cachedrepo';
import type { CacheControl } from 'cachedrepo';
import { TOKENS } from '../index';
import { Language, type Hero } from '../index';
import type { SeedSummary } from '../index';
import { cardKeys, deckKeys, heroKeys } from '../index';
import { check, heading, line, meanLatency, ms, table } from './report';

/** Mean milliseconds per read of each workload. */
export type Latencies = Record<string, number>;

/** The reads every scenario times: the same code whatever the container resolves. */
function workloads(container: DependencyContainer, seed: SeedSummary): Record<string, () => Promise<number>> {
  const heroes = container.resolve(TOKENS.HeroRepository);
  const decks = container.resolve(TOKENS.DeckRepository);
  const stories = container.resolve(TOKENS.StoryRepository);
  const languages = Object.values(Language);
  return {
    'hero findById': () => meanLatency(seed.ids.heroes, (id) => heroes.findById(id)),
    'hero findByLanguage': () => meanLatency(languages, (language) => heroes.findByLanguage(language)),
    'story findByChildId': () => meanLatency(seed.ids.children, (id) => stories.findByChildId(id)),
    'deck findWithCards': () => meanLatency(seed.ids.decks, (id) => decks.findWithCards(id)),
    'deck findAll (active)': () => meanLatency([1, 2, 3, 4, 5], () => decks.findAll()),
  };
}

async function measure(container: DependencyContainer, seed: SeedSummary): Promise<Latencies> {
  const result: Latencies = {};
  for (const [name, run] of Object.entries(workloads(container, seed))) result[name] = await run();
  return result;
}

export async function scenarioBaseline(container: DependencyContainer, seed: SeedSummary): Promise<Latencies> {
  heading('Scenario 1: without caching (baseline): every read goes to SQLite through Prisma');
  await measure(container, seed); // warm-up: Prisma and SQLite page cache
  const baseline = await measure(container, seed);
  table([['read', 'mean per read'], ...Object.entries(baseline).map(([name, latency]) => [name, ms(latency)])]);
  return baseline;
}

/** The entity type each workload reads, to tell which ones have a near cache. */
const ENTITY_OF: Record<string, string> = {
  'hero findById': 'hero',
  'hero findByLanguage': 'hero',
  'story findByChildId': 'story',
  'deck findWithCards': 'deck',
  'deck findAll (active)': 'deck',
};

export async function scenarioCaching(
  container: DependencyContainer,
  seed: SeedSummary,
  baseline: Latencies,
): Promise<void> {
  heading('Scenario 2: with caching: first reads miss and fill Redis, repeats hit Redis, then the near cache');
  const cached: unknown[] = [
    container.resolve(TOKENS.HeroRepository),
    container.resolve(TOKENS.StoryRepository),
    container.resolve(TOKENS.DeckRepository),
  ];
  for (const repository of cached as CacheControl[]) await repository.invalidateCache();
  const cache = container.resolve(TOKENS.CacheService);
  cache.stats.reset();
  const cold = await measure(container, seed);
  const missesAfterFirstRound = cache.stats.snapshot().map((s) => s.misses);
  await measure(container, seed); // warm-up of the hit paths
  // Emptied, the near caches let every read of the next round go to Redis (and fill them again).
  cache.clearNearCaches();
  const redisHits = await measure(container, seed);
  const nearHits = await measure(container, seed);
  const near = new Set(cache.health().nearCache.caches.map((c) => c.entityType));
  const speedUp = (name: string, latency: number): string => `${(baseline[name]! / latency).toFixed(1)}x`;
  table([
    ['read', 'baseline', 'first (miss)', 'Redis hit', 'near-cache hit', 'speed-up (Redis)', 'speed-up (near)'],
    ...Object.keys(baseline).map((name) => {
      const hasNear = near.has(ENTITY_OF[name] ?? '');
      return [
        name,
        ms(baseline[name]!),
        ms(cold[name]!),
        ms(redisHits[name]!),
        hasNear ? ms(nearHits[name]!) : '(none)',
        speedUp(name, redisHits[name]!),
        hasNear ? speedUp(name, nearHits[name]!) : '-',
      ];
    }),
  ]);
  const { tracking, mode, messages } = cache.health().nearCache;
  line(
    `  Near caches (${[...near].join(', ')}; stories change often and have none): tracking ` +
      `${tracking} (${mode} mode), ${messages} invalidation messages from Redis so far.`,
  );
  line();
  table([
    ['entity type', 'hits', 'misses', 'errors', 'hit ratio'],
    ...cache.stats
      .snapshot()
      .filter((s) => s.hits + s.misses > 0)
      .map((s) => [s.entityType, s.hits, s.misses, s.errors, `${(s.hitRatio * 100).toFixed(1)}%`]),
  ]);
  const missesOfRepeats = cache.stats
    .snapshot()
    .reduce((sum, s, index) => sum + s.misses - (missesAfterFirstRound[index] ?? 0), 0);
  check(missesOfRepeats === 0, 'every repeated read was a hit (no miss after the first round)');
}

async function showKeys(cache: CacheService, keys: string[]): Promise<boolean[]> {
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
