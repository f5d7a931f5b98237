import { CachedRepository, CacheService, createRedisClient, waitUntilReady } from 'cachedrepo';
import { heroCacheStrategy, PrismaHeroRepository, type Hero, type HeroRepository } from '../../example';
import { benchHero } from '../support/contenders';
import { startCountingProxy } from '../support/counting-proxy';
import { benchLogger, startBenchEnvironment } from '../support/environment';
import { interleaved } from '../support/harness';
import type { SuiteResult } from '../support/report';

const COUNT = 100;
const ROUNDS = 10;

/**
 * findByIds(100) of cached heroes (one MGET) against 100 sequential findById (100 GETs), both
 * Redis hits (near cache off), through a proxy that counts the commands sent.
 */
export default async function findByIds(): Promise<SuiteResult> {
  const started = Date.now();
  const env = await startBenchEnvironment();
  const proxy = await startCountingProxy(env.server.port);
  // Counted through the proxy; timed on a direct connection (the proxy's hop would favour the MGET).
  const counted = createRedisClient({ url: proxy.url, commandTimeoutMs: 5000 });
  const countedCache = new CacheService(counted, { logger: benchLogger, nearCache: false });
  const client = createRedisClient({ url: env.server.url, commandTimeoutMs: 5000 });
  const cache = new CacheService(client, { logger: benchLogger, nearCache: false });
  try {
    for (const [redis, service] of [
      [counted, countedCache],
      [client, cache],
    ] as const) {
      if (!(await waitUntilReady(redis, 5000)) || !(await service.waitUntilReady(5000)))
        throw new Error('bench: cache not ready');
    }
    const plain = new PrismaHeroRepository(env.prisma);
    const ids: string[] = [];
    for (let i = 0; i < COUNT; i += 1) ids.push((await plain.save(benchHero(i))).id);
    const heroes = CachedRepository.wrap<Hero, HeroRepository>(plain, heroCacheStrategy(), cache);
    const countedHeroes = CachedRepository.wrap<Hero, HeroRepository>(plain, heroCacheStrategy(), countedCache);
    await heroes.findByIds(ids);
    await heroes.findByIds(ids);
    proxy.reset();
    const found = await countedHeroes.findByIds(ids);
    const commands = Object.fromEntries(proxy.counts());
    if (found.length !== COUNT) throw new Error(`bench: findByIds returned ${found.length} heroes`);
    const measured = await interleaved(
      [
        { name: `findByIds(${COUNT})`, call: () => heroes.findByIds(ids) },
        {
          name: `${COUNT} sequential findById`,
          call: async () => {
            for (const id of ids) await heroes.findById(id);
          },
        },
      ],
      ROUNDS,
      20,
    );
    const [many, one] = measured as [(typeof measured)[number], (typeof measured)[number]];
    return {
      suite: 'find-by-ids',
      title: `findByIds(${COUNT})`,
      durationMs: Date.now() - started,
      tables: [
        {
          title:
            `${COUNT} cached heroes, Redis hits (near cache off), ${ROUNDS} interleaved rounds of 20 ` +
            `(microseconds per call)`,
          header: ['call', 'median us', 'p99 us', 'speed-up'],
          rows: [
            [many.name, many.median, many.p99, one.median / many.median],
            [one.name, one.median, one.p99, 1],
          ],
        },
      ],
      charts: [
        {
          title: `${COUNT} heroes from Redis`,
          unit: 'us per call, lower is better',
          bars: measured.map((m) => ({ label: m.name, value: m.median, kind: 'library' as const })),
        },
      ],
      figures: {
        findByIdsSpeedup: one.median / many.median,
        findByIdsMedianUs: many.median,
        commandsPerFindByIds: Object.values(commands).reduce((sum, n) => sum + n, 0),
        mgetPerFindByIds: commands.mget ?? 0,
      },
      notes: [
        `commands sent by one findByIds(${COUNT}) of cached heroes (counting proxy): ${JSON.stringify(commands)}`,
      ],
    };
  } finally {
    await cache.close();
    await countedCache.close();
    await proxy.close();
    await env.dispose();
  }
}
