import { CacheService } from 'cachedrepo';
import { CachedRepository } from 'cachedrepo';
import { createRedisClient } from 'cachedrepo';
import { Gender, Language, type Hero } from '../../example';
import { PrismaHeroRepository } from '../../example';
import type { HeroRepository } from '../../example';
import { heroCacheStrategy } from '../../example';
import { startBenchEnvironment } from '../support/environment';
import type { SuiteResult } from '../support/report';
import { summarize, timeMicros } from '../support/stats';

const ROUNDS = 10;
const PER_ROUND = 500;

/**
 * Extra latency per read while the circuit breaker is open (Redis hung by SIGSTOP): cached
 * findById against the plain Prisma repository, interleaved in rounds so both see the same
 * machine. Issue target: under a millisecond.
 */
export default async function breakerOpen(): Promise<SuiteResult> {
  const started = Date.now();
  const env = await startBenchEnvironment();
  const redis = createRedisClient({ url: env.server.url, commandTimeoutMs: 200 });
  const cache = new CacheService(redis, {
    logger: { debug: noop, info: noop, warn: noop, error: noop },
    circuitBreaker: { probeIntervalMs: 60_000 },
    nearCache: false,
  });
  try {
    await cache.waitUntilReady(5000);
    const plain = new PrismaHeroRepository(env.prisma);
    const cached = CachedRepository.wrap<Hero, HeroRepository>(plain, heroCacheStrategy(), cache);
    const hero = await plain.save({
      name: 'Icarus',
      language: Language.Greek,
      gender: Gender.Male,
      description: 'x'.repeat(300),
    });
    await cached.findById(hero.id);

    env.server.signal('SIGSTOP');
    const openStarted = process.hrtime.bigint();
    while (cache.health().breaker !== 'open') await cached.findById(hero.id);
    const openingMs = Number(process.hrtime.bigint() - openStarted) / 1e6;

    const samples = { cached: [] as number[], plain: [] as number[] };
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [name, repository] of [
        ['cached', cached],
        ['plain', plain],
      ] as const) {
        for (let i = 0; i < PER_ROUND; i += 1) samples[name].push(await timeMicros(() => repository.findById(hero.id)));
      }
    }
    const cachedStats = summarize(samples.cached);
    const plainStats = summarize(samples.plain);
    if (cache.health().breaker !== 'open') throw new Error('bench: the breaker closed during the measurement');
    const rows: (string | number)[][] = [
      ['cached, breaker open', cachedStats.median, cachedStats.p95, cachedStats.mean],
      ['plain (Prisma, SQLite)', plainStats.median, plainStats.p95, plainStats.mean],
      [
        'extra per read',
        cachedStats.median - plainStats.median,
        cachedStats.p95 - plainStats.p95,
        cachedStats.mean - plainStats.mean,
      ],
    ];
    return {
      suite: 'breaker-open',
      title: 'Reads with Redis hung and the breaker open',
      durationMs: Date.now() - started,
      tables: [
        {
          title:
            `findById with Redis hung and the breaker open (microseconds; ${ROUNDS * PER_ROUND} reads ` +
            `each; the breaker opened after ${openingMs.toFixed(0)} ms of timeouts)`,
          header: ['repository', 'median', 'p95', 'mean'],
          rows,
        },
      ],
      charts: [],
      figures: { extraMedianUs: cachedStats.median - plainStats.median, openingMs },
      notes: [],
    };
  } finally {
    env.server.signal('SIGCONT');
    await cache.close();
    await env.dispose();
  }
}

function noop(): void {}
