import { CachedRepository } from '@cachedrepo/core';
import { Gender, Language, type Hero } from '@cachedrepo/example-app';
import { PrismaHeroRepository } from '@cachedrepo/example-app';
import type { HeroRepository } from '@cachedrepo/example-app';
import { heroCacheStrategy, heroKeys } from '@cachedrepo/example-app';
import { startBenchEnvironment } from './support/environment';
import { printTable, summarize, timeMicros } from './support/stats';

const WARMUP = 2_000;
const IN_FLIGHT = 64;
const RUNS = {
  raw: { sequential: 20_000, concurrent: 200_000 },
  cached: { sequential: 20_000, concurrent: 200_000 },
  plain: { sequential: 5_000, concurrent: 20_000 },
};

/** Latencies (us) of `count` sequential calls. */
async function sequential(count: number, call: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i += 1) samples.push(await timeMicros(call));
  return samples;
}

/** Operations per second of `total` calls, `inFlight` at a time. */
async function throughput(total: number, inFlight: number, call: () => Promise<unknown>): Promise<number> {
  let issued = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (issued < total) {
        issued += 1;
        await call();
      }
    }),
  );
  return total / (Number(process.hrtime.bigint() - start) / 1e9);
}

/**
 * The hit path: CachedRepository.findById of a cached hero (one GET + decode), sequential
 * latency and throughput with 64 calls in flight, against the plain Prisma repository (SQLite)
 * and, as the floor this machine allows, a bare ioredis GET of the same entry.
 */
export async function hitPath(): Promise<void> {
  const env = await startBenchEnvironment();
  try {
    const plain = new PrismaHeroRepository(env.prisma);
    const cached = CachedRepository.wrap<Hero, HeroRepository>(plain, heroCacheStrategy(), env.cache);
    const hero = await plain.save({ name: 'Atalanta', language: Language.Greek, gender: Gender.Female, description: 'x'.repeat(300) });
    await cached.findById(hero.id);
    const key = env.cache.fullKey(heroKeys.byId({ id: hero.id }));
    if ((await env.redis.get(key)) === null) throw new Error(`bench: ${key} is not cached`);
    const rows: (string | number)[][] = [];
    const contenders = [
      ['raw ioredis GET (baseline)', RUNS.raw, () => env.redis.get(key)],
      ['cached (Redis hit)', RUNS.cached, () => cached.findById(hero.id)],
      ['plain (Prisma, SQLite)', RUNS.plain, () => plain.findById(hero.id)],
    ] as const;
    for (const [name, runs, call] of contenders) {
      await sequential(WARMUP, call);
      const latency = summarize(await sequential(runs.sequential, call));
      rows.push([name, latency.median, latency.p95, await throughput(runs.concurrent, IN_FLIGHT, call)]);
    }
    const stats = cached.getCacheStats();
    if (stats.misses !== 1 || stats.errors !== 0) throw new Error(`bench: expected one miss and no errors on the hit path, got ${JSON.stringify(stats)}`);
    printTable(
      `findById hit path (sequential latency in microseconds; throughput with ${IN_FLIGHT} in flight)`,
      ['repository', 'median', 'p95', 'ops/s'],
      rows,
    );
  } finally {
    await env.dispose();
  }
}
