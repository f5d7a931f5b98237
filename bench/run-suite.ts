import { writeFileSync } from 'node:fs';
import type { SuiteResult } from './support/report';

type SuiteModule = { default: () => Promise<SuiteResult> };

/** The suites run by bench/main.ts, by name (static imports, so that tsx resolves them). */
const SUITES: Record<string, () => Promise<SuiteModule>> = {
  'hit-path': () => import('./suites/hit-path'),
  concurrency: () => import('./suites/concurrency'),
  'find-by-ids': () => import('./suites/find-by-ids'),
  'cold-reads': () => import('./suites/cold-reads'),
  'miss-and-update': () => import('./suites/miss-and-update'),
  'near-invalidation': () => import('./suites/near-invalidation'),
  'near-memory': () => import('./suites/near-memory'),
  'invalidation-scale': () => import('./suites/invalidation-scale'),
  'breaker-open': () => import('./suites/breaker-open'),
  capture: () => import('./suites/capture'),
  ycsb: () => import('./suites/ycsb'),
};

/**
 * Runs one suite in this process and writes its result as JSON to the file given as the
 * second argument: `node --import tsx bench/run-suite.ts <suite> <out.json>`. bench/main.ts
 * starts one such process per suite, so no suite inherits another's heap, JIT state or sockets.
 */
async function main(): Promise<void> {
  const [name, out] = process.argv.slice(2);
  if (!name || !out) throw new Error('usage: run-suite.ts <suite> <out.json>');
  const load = SUITES[name];
  if (!load) throw new Error(`unknown suite ${name}; known: ${Object.keys(SUITES).join(', ')}`);
  const result = await (await load()).default();
  writeFileSync(out, JSON.stringify(result, null, 2));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
