import { startBenchEnvironment } from './support/environment';
import { buildReaders, NAMES } from './support/contenders';

/**
 * A sequential hit loop for one reader, to profile with
 * `node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile-hit.ts [reader] [reads]`
 * (reader: `redis` for the library's Redis hit, `raw` for the default-client baseline, `near`).
 * Not a benchmark: it prints the mean per read only to check the loop ran.
 */
async function main(): Promise<void> {
  const which = process.argv[2] ?? 'redis';
  const reads = Number(process.argv[3] ?? 20_000);
  const env = await startBenchEnvironment();
  const readers = await buildReaders(env, 16);
  const name = which === 'raw' ? NAMES.raw : which === 'near' ? NAMES.nearHit : NAMES.redisHit;
  const reader = readers.byName(name);
  const started = process.hrtime.bigint();
  for (let i = 0; i < reads; i += 1) await reader.read(i % 16);
  console.log(`${name}: ${(Number(process.hrtime.bigint() - started) / 1000 / reads).toFixed(1)} us per read`);
  await readers.close();
  await env.dispose();
}

void main();
