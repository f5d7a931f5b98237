import type { DependencyContainer } from 'tsyringe';
import { Language, TOKENS, type SeedSummary } from '../index';
import { meanLatency } from './report';

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

/** One round: every workload once, in turn. */
export async function measure(container: DependencyContainer, seed: SeedSummary): Promise<Latencies> {
  const result: Latencies = {};
  for (const [name, run] of Object.entries(workloads(container, seed))) result[name] = await run();
  return result;
}

/**
 * The median, per workload, of `rounds` rounds (each the mean per read of one pass), after one
 * unmeasured round when `warmUp`; `before` runs before each round (and is not timed).
 */
export async function measureRounds(
  container: DependencyContainer,
  seed: SeedSummary,
  rounds: number,
  options: { warmUp?: boolean; before?: () => Promise<void> } = {},
): Promise<Latencies> {
  if (options.warmUp) await measure(container, seed);
  const measured: Latencies[] = [];
  for (let round = 0; round < rounds; round += 1) {
    await options.before?.();
    measured.push(await measure(container, seed));
  }
  const median: Latencies = {};
  for (const name of Object.keys(measured[0] ?? {})) {
    const sorted = measured.map((latencies) => latencies[name] as number).sort((a, b) => a - b);
    median[name] = sorted[Math.floor(sorted.length / 2)] as number;
  }
  return median;
}

/** The entity type each workload reads, to tell which ones have a near cache. */
export const ENTITY_OF: Record<string, string> = {
  'hero findById': 'hero',
  'hero findByLanguage': 'hero',
  'story findByChildId': 'story',
  'deck findWithCards': 'deck',
  'deck findAll (active)': 'deck',
};
