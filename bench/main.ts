import { breakerOpen } from './breaker-open';
import { hitPath } from './hit-path';
import { invalidationScale } from './invalidation-scale';
import { writeAndMiss } from './write-and-miss';

/**
 * Runs the benchmarks in turn (`npm run bench`, or `tsx bench/main.ts <name>...` for some).
 * Exits non-zero only when a benchmark fails to run, never on the numbers.
 */
const benchmarks: Record<string, () => Promise<void>> = {
  'invalidation-scale': invalidationScale,
  'hit-path': hitPath,
  'breaker-open': breakerOpen,
  'write-and-miss': writeAndMiss,
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !(name in benchmarks));
  if (unknown.length > 0) throw new Error(`unknown benchmark(s) ${unknown.join(', ')}; known: ${Object.keys(benchmarks).join(', ')}`);
  let failed = 0;
  for (const [name, run] of Object.entries(benchmarks)) {
    if (wanted.length > 0 && !wanted.includes(name)) continue;
    console.log(`\n== ${name}`);
    const started = Date.now();
    try {
      await run();
      console.log(`(${name}: ${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } catch (error) {
      failed += 1;
      console.error(`${name} failed:`, error);
    }
  }
  process.exitCode = failed > 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
