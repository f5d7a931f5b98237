import { randomUUID } from 'node:crypto';
import { CachedRepository, CacheService } from 'cachedrepo';
import { heroCacheStrategy, Language, PrismaHeroRepository, type Hero, type HeroRepository } from '../../example';
import { benchLogger, startBenchEnvironment } from '../support/environment';
import type { SuiteResult } from '../support/report';

const HEROES = 20_000;
const MAX_ENTRIES = 10_000;
const OPERATIONS = 150_000;
const WRITE_EVERY = 100;
const SAMPLES = 10;

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const heapMiB = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

/**
 * Near-cache memory over a long run: 20,000 heroes read at random through a near cache bounded
 * to 10,000 entries, one write in a hundred operations, with the heap (after a forced GC)
 * sampled ten times. Also the heap per entry against the near cache's own estimate.
 */
export default async function nearMemory(): Promise<SuiteResult> {
  const started = Date.now();
  const env = await startBenchEnvironment({ fastDatabase: true });
  const cache = new CacheService(env.redis.duplicate(), { logger: benchLogger, nearCache: true });
  try {
    if (!(await cache.waitUntilReady(5000))) throw new Error('bench: cache not ready');
    const ids = Array.from({ length: HEROES }, () => randomUUID());
    for (let i = 0; i < HEROES; i += 1000) {
      await env.prisma.hero.createMany({
        data: ids.slice(i, i + 1000).map((id, j) => ({
          id,
          name: `Hero ${i + j}`,
          language: Language.Greek,
          gender: 'female',
          description: `${i + j} `.padEnd(300, 'x'),
        })),
      });
    }
    const strategy = heroCacheStrategy({ nearCache: { maxEntries: MAX_ENTRIES } });
    const heroes = CachedRepository.wrap<Hero, HeroRepository>(new PrismaHeroRepository(env.prisma), strategy, cache);
    const near = () =>
      cache.health().nearCache.caches[0] as NonNullable<
        ReturnType<CacheService['health']>['nearCache']['caches'][number]
      >;

    // Per entry: fill 5,000 entries into an empty near cache and compare heaps.
    for (const id of ids.slice(0, 5000)) await heroes.findById(id); // Redis holds them now
    const emptyHeap = heapMiB();
    const filledBefore = near().entries;
    for (const id of ids.slice(0, 5000)) await heroes.findById(id);
    const filled = near().entries - filledBefore;
    const perEntryBytes = ((heapMiB() - emptyHeap) * 2 ** 20) / Math.max(1, filled);
    const estimatePerEntry = near().bytes / Math.max(1, near().entries);

    // The long run.
    const samples: (string | number)[][] = [];
    const startHeap = heapMiB();
    // mulberry32: a small, well-mixed PRNG (a fixed seed, so runs read the same sequence).
    let seed = 12345;
    const random = (): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const runStart = Date.now();
    for (let op = 1; op <= OPERATIONS; op += 1) {
      const id = ids[Math.floor(random() * HEROES)] as string;
      if (op % WRITE_EVERY === 0) await heroes.update(id, { description: `written at ${op}` });
      else await heroes.findById(id);
      if (op % (OPERATIONS / SAMPLES) === 0) {
        const stats = near();
        samples.push([
          op,
          heapMiB(),
          stats.entries,
          stats.bytes / 2 ** 20,
          stats.hits,
          stats.evictions,
          stats.invalidations,
        ]);
      }
      if (Date.now() - runStart > 45_000) break;
    }
    const heaps = samples.map((row) => row[1] as number);
    const entries = samples.map((row) => row[2] as number);
    return {
      suite: 'near-memory',
      title: 'Near-cache memory under a long run',
      durationMs: Date.now() - started,
      tables: [
        {
          title:
            `Near cache bounded to ${MAX_ENTRIES.toLocaleString('en-US')} entries; ` +
            `${HEROES.toLocaleString('en-US')} heroes read at random, one write per ${WRITE_EVERY} ` +
            `operations (heap after a forced GC)`,
          header: ['operations', 'heap MiB', 'entries', 'estimated MiB', 'near hits', 'evictions', 'invalidations'],
          rows: samples,
        },
        {
          title: 'Heap per near-cache entry (a hero of about 500 bytes encoded)',
          header: ['measure', 'bytes'],
          rows: [
            ['heap growth per entry (5,000 entries filled)', perEntryBytes],
            ["the near cache's estimate per entry", estimatePerEntry],
          ],
        },
      ],
      charts: [
        {
          title: 'Heap during the long run',
          unit: 'MiB after GC',
          bars: samples.map((row) => ({
            label: `${(row[0] as number).toLocaleString('en-US')} operations`,
            value: row[1] as number,
            kind: 'library' as const,
          })),
        },
      ],
      figures: {
        heapStartMiB: startHeap,
        heapMaxMiB: Math.max(...heaps),
        maxEntries: Math.max(...entries),
        perEntryBytes,
        estimatePerEntry,
      },
      notes: [`entries never exceed maxEntries (${MAX_ENTRIES}): max seen ${Math.max(...entries)}`],
    };
  } finally {
    await cache.close();
    await env.dispose();
  }
}
