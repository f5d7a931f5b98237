import { CachedRepository, CacheService } from 'cachedrepo';
import { heroCacheStrategy, PrismaHeroRepository, type Hero, type HeroRepository } from '../../example';
import { PrismaOutbox } from 'cachedrepo/prisma';
import { benchHero } from '../support/contenders';
import { benchLogger, startBenchEnvironment } from '../support/environment';
import { interleaved } from '../support/harness';
import type { SuiteResult } from '../support/report';

const ROUNDS = 10;
const PER_TURN = 60;

/**
 * A miss (findById of a hero no cache holds: GET, lease, load; the store under the lease is
 * sent before the caller gets the value and completes behind it) against what a user would
 * otherwise run, Prisma's own `findUnique`; and an update through the cached repository (its
 * before-state and invalidation included) against Prisma's own `update`. The repository's raw
 * `findById` (packages/prisma) is shown too: it is the load inside the miss. SQLite in WAL mode
 * without fsync, so the disk does not drown the cache's share. Interleaved rounds.
 */
export default async function missAndUpdate(): Promise<SuiteResult> {
  const started = Date.now();
  const env = await startBenchEnvironment({ fastDatabase: true });
  const outboxCache = new CacheService(env.redis, {
    logger: benchLogger,
    outbox: new PrismaOutbox(env.prisma),
    keyPrefix: 'outbox',
    nearCache: false,
  });
  try {
    if (!(await outboxCache.waitUntilReady(5000))) throw new Error('bench: outbox cache not ready');
    const plain = new PrismaHeroRepository(env.prisma);
    const strategy = heroCacheStrategy();
    const redisOnly = new CacheService(env.redis.duplicate(), {
      logger: benchLogger,
      nearCache: false,
      keyPrefix: 'miss',
    });
    if (!(await redisOnly.waitUntilReady(5000))) throw new Error('bench: cache not ready');
    const cached = CachedRepository.wrap<Hero, HeroRepository>(plain, strategy, redisOnly);
    const withOutbox = CachedRepository.wrap<Hero, HeroRepository>(plain, strategy, outboxCache);
    // Every miss reads a hero no cache holds yet.
    const misses = (ROUNDS + 1) * PER_TURN;
    const cold: string[] = [];
    for (let i = 0; i < misses; i += 1) cold.push((await plain.save(benchHero(i))).id);
    const hero = await plain.save(benchHero(-1));
    let next = 0;
    let plainNext = 0;
    let version = 0;
    const measured = await interleaved(
      [
        // The same rows the misses load (already read once by then or not: SQLite holds them all in its page cache).
        {
          name: 'plain Prisma findUnique',
          call: () => env.prisma.hero.findUnique({ where: { id: cold[plainNext++ % cold.length] as string } }),
        },
        {
          name: 'repository findById (raw SELECT)',
          call: () => plain.findById(cold[plainNext++ % cold.length] as string),
        },
        { name: 'cachedrepo miss', call: () => cached.findById(cold[next++] as string) },
        {
          name: 'plain Prisma update',
          call: () => env.prisma.hero.update({ where: { id: hero.id }, data: { description: `p${(version += 1)}` } }),
        },
        {
          name: 'cachedrepo update, no outbox',
          call: () => cached.update(hero.id, { description: `c${(version += 1)}` }),
        },
        {
          name: 'cachedrepo update + outbox',
          call: () => withOutbox.update(hero.id, { description: `o${(version += 1)}` }),
        },
      ],
      ROUNDS,
      PER_TURN,
    );
    const byName = new Map(measured.map((m) => [m.name, m]));
    const baseOf = (name: string) =>
      (
        byName.get(
          name.includes('update') ? 'plain Prisma update' : 'plain Prisma findUnique',
        ) as (typeof measured)[number]
      ).median;
    const stats = cached.getCacheStats();
    await redisOnly.close();
    return {
      suite: 'miss-and-update',
      title: 'Miss and update against plain Prisma',
      durationMs: Date.now() - started,
      tables: [
        {
          title:
            `Miss and update (microseconds, ${ROUNDS} interleaved rounds of ${PER_TURN}; SQLite WAL ` +
            `without fsync; ratio to the plain Prisma call)`,
          header: ['call', 'median us', 'p99 us', 'x plain'],
          rows: measured.map((m) => [m.name, m.median, m.p99, m.median / baseOf(m.name)]),
        },
      ],
      charts: [
        {
          title: 'Miss and update',
          unit: 'us, lower is better',
          bars: measured.map((m) => ({
            label: m.name,
            value: m.median,
            kind:
              m.name.startsWith('plain') || m.name.startsWith('repository')
                ? ('database' as const)
                : ('library' as const),
          })),
        },
      ],
      figures: {
        missRatio: (byName.get('cachedrepo miss') as (typeof measured)[number]).median / baseOf('findById'),
        updateRatio:
          (byName.get('cachedrepo update, no outbox') as (typeof measured)[number]).median / baseOf('update'),
        updateOutboxRatio:
          (byName.get('cachedrepo update + outbox') as (typeof measured)[number]).median / baseOf('update'),
      },
      notes: [`misses counted by the cached repository: ${stats.misses} (expected ${misses}), hits ${stats.hits}`],
    };
  } finally {
    await outboxCache.close();
    await env.dispose();
  }
}
