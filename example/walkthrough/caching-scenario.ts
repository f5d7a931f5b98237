import type { DependencyContainer } from 'tsyringe';
import type { CacheControl, CacheService } from 'cachedrepo';
import { TOKENS, type SeedSummary } from '../index';
import { check, heading, line, ms, table } from './report';
import { ENTITY_OF, measureRounds, type Latencies } from './workloads';

/** `latency` and its speed-up over the baseline, e.g. `0.083 ms (6.1x)`. */
function withSpeedUp(latency: number, baseline: number): string {
  return `${ms(latency)} (${(baseline / latency).toFixed(1)}x)`;
}

/** Measured rounds per column: each column shows the median read of these rounds. */
const ROUNDS = 3;

/** Reads answered by the near caches so far. */
function nearHits(cache: CacheService): number {
  return cache.health().nearCache.caches.reduce((sum, near) => sum + near.hits, 0);
}

/**
 * Scenario 2. Each column is measured as itself: the first reads (misses, each round on an emptied
 * cache) and the Redis hits on a data layer without near caches, the near-cache hits on the one
 * with them, whose near caches a warm-up round filled. The checks read the cache's own counters
 * once the stores the misses sent behind their callers are answered (`storesSettled`), so they do
 * not race them.
 */
export async function scenarioCaching(
  container: DependencyContainer,
  redisOnly: DependencyContainer,
  seed: SeedSummary,
  baseline: Latencies,
): Promise<void> {
  heading('Scenario 2: with caching: first reads miss and fill Redis, repeats hit Redis, then the near cache');
  const cache = container.resolve(TOKENS.CacheService);
  const redisCache = redisOnly.resolve(TOKENS.CacheService);
  const repositories: unknown[] = [
    redisOnly.resolve(TOKENS.HeroRepository),
    redisOnly.resolve(TOKENS.StoryRepository),
    redisOnly.resolve(TOKENS.DeckRepository),
  ];
  // Every round of misses starts on an empty cache, once the previous round's stores are answered.
  const emptyCache = async (): Promise<void> => {
    await redisCache.storesSettled();
    for (const repository of repositories as CacheControl[]) await repository.invalidateCache();
  };
  await emptyCache();
  cache.stats.reset();
  redisCache.stats.reset();
  // The warm-up round compiles Prisma's queries on this data layer's client, as in scenario 1.
  const cold = await measureRounds(redisOnly, seed, ROUNDS, { warmUp: true, before: emptyCache, misses: true });
  await redisCache.storesSettled();
  const stored = redisCache.stats.snapshot();
  const redisHits = await measureRounds(redisOnly, seed, ROUNDS, { warmUp: true });
  // Its warm-up round is made of Redis hits that fill the near caches.
  const nearBefore = nearHits(cache);
  const nearRound = await measureRounds(container, seed, ROUNDS, { warmUp: true });
  const nearServed = nearHits(cache) - nearBefore;
  const near = new Set(cache.health().nearCache.caches.map((c) => c.entityType));
  table([
    ['read', 'baseline', 'first read (miss)', 'Redis hit (no near cache)', 'near-cache hit'],
    ...Object.keys(baseline).map((name) => [
      name,
      ms(baseline[name]!),
      withSpeedUp(cold[name]!, baseline[name]!),
      withSpeedUp(redisHits[name]!, baseline[name]!),
      near.has(ENTITY_OF[name] ?? '') ? withSpeedUp(nearRound[name]!, baseline[name]!) : '(none)',
    ]),
  ]);
  line(`  (median read over ${ROUNDS} rounds; in brackets, the speed-up over the baseline)`);
  const { tracking, mode, messages } = cache.health().nearCache;
  line(
    `  Near caches (${[...near].join(', ')}; stories change often and have none): tracking ` +
      `${tracking} (${mode} mode), ${nearServed} reads of the near-cache rounds answered from memory, ` +
      `${messages} invalidation messages from Redis so far.`,
  );
  line();
  const layers = [
    { name: 'without near caches', stats: redisCache.stats.snapshot() },
    { name: 'with near caches', stats: cache.stats.snapshot() },
  ];
  table([
    ['data layer', 'entity type', 'hits', 'misses', 'errors', 'hit ratio'],
    ...layers.flatMap(({ name, stats }) =>
      stats
        .filter((s) => s.hits + s.misses > 0)
        .map((s) => [name, s.entityType, s.hits, s.misses, s.errors, `${(s.hitRatio * 100).toFixed(1)}%`]),
    ),
  ]);
  const snapshot = layers.flatMap((layer) => layer.stats);
  const missesOfFirstRound = stored.reduce((sum, s) => sum + s.misses, 0);
  const missesOfRepeats = snapshot.reduce((sum, s) => sum + s.misses, 0) - missesOfFirstRound;
  check(missesOfFirstRound > 0, `the rounds of first reads missed (${missesOfFirstRound} misses)`);
  check(missesOfRepeats === 0, 'every later read was a hit: the misses stored their entries');
}
