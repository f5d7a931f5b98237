import type { DependencyContainer } from 'tsyringe';
import { Language, TOKENS, type SeedSummary } from '../index';
import { perRead } from './report';

/** Milliseconds per read of each workload (the median of its reads). */
export type Latencies = Record<string, number>;

/** Milliseconds of every read of each workload in one round. */
type Samples = Record<string, number[]>;

/** A workload: its reads, one per item; `oneKey` when they all read the same key (only the first can miss). */
interface Workload {
  run(): Promise<number[]>;
  oneKey: boolean;
}

/** The reads every scenario times: the same code whatever the container resolves. */
function workloads(container: DependencyContainer, seed: SeedSummary): Record<string, Workload> {
  const heroes = container.resolve(TOKENS.HeroRepository);
  const decks = container.resolve(TOKENS.DeckRepository);
  const stories = container.resolve(TOKENS.StoryRepository);
  const languages = Object.values(Language);
  return {
    'hero findById': { run: () => perRead(seed.ids.heroes, (id) => heroes.findById(id)), oneKey: false },
    'hero findByLanguage': {
      run: () => perRead(languages, (language) => heroes.findByLanguage(language)),
      oneKey: false,
    },
    'story findByChildId': { run: () => perRead(seed.ids.children, (id) => stories.findByChildId(id)), oneKey: false },
    'deck findWithCards': { run: () => perRead(seed.ids.decks, (id) => decks.findWithCards(id)), oneKey: false },
    'deck findAll (active)': { run: () => perRead([1, 2, 3, 4, 5], () => decks.findAll()), oneKey: true },
  };
}

/** One round: every workload once, in turn; with `firstReadOfAKey`, a one-key workload keeps its first read only. */
async function round(container: DependencyContainer, seed: SeedSummary, firstReadOfAKey = false): Promise<Samples> {
  const samples: Samples = {};
  for (const [name, workload] of Object.entries(workloads(container, seed))) {
    const reads = await workload.run();
    samples[name] = firstReadOfAKey && workload.oneKey ? reads.slice(0, 1) : reads;
  }
  return samples;
}

/**
 * The median read, per workload, over `rounds` rounds, after one unmeasured round when `warmUp`;
 * `before` runs before each measured round (untimed). Medians, because on a shared machine a few
 * reads wait for the CPU and would dominate a mean. `misses`: every round starts on an empty
 * cache, and only the reads that can miss count (the first of a one-key workload).
 */
export async function measureRounds(
  container: DependencyContainer,
  seed: SeedSummary,
  rounds: number,
  options: { warmUp?: boolean; before?: () => Promise<void>; misses?: boolean } = {},
): Promise<Latencies> {
  if (options.warmUp) await round(container, seed);
  const all: Samples = {};
  for (let index = 0; index < rounds; index += 1) {
    await options.before?.();
    for (const [name, reads] of Object.entries(await round(container, seed, options.misses)))
      (all[name] ??= []).push(...reads);
  }
  const medians: Latencies = {};
  for (const [name, reads] of Object.entries(all)) {
    const sorted = [...reads].sort((a, b) => a - b);
    medians[name] = sorted[Math.floor(sorted.length / 2)] as number;
  }
  return medians;
}

/** The entity type each workload reads, to tell which ones have a near cache. */
export const ENTITY_OF: Record<string, string> = {
  'hero findById': 'hero',
  'hero findByLanguage': 'hero',
  'story findByChildId': 'story',
  'deck findWithCards': 'deck',
  'deck findAll (active)': 'deck',
};
