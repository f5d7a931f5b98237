import { Redis } from 'ioredis';
import { CacheService } from 'cachedrepo';
import { CachedRepository, type Cached } from 'cachedrepo';
import { inspectEntry } from 'cachedrepo/testing';
import { createRedisClient, waitUntilReady } from 'cachedrepo';
import { Gender, Language, type Hero } from '../../example';
import { PrismaHeroRepository } from '../../example';
import type { HeroRepository } from '../../example';
import { heroCacheStrategy, heroKeys } from '../../example';
import { startBenchEnvironment, type BenchEnvironment } from '../support/environment';
import type { SuiteResult, Table } from '../support/report';
import { summarize, timeMicros } from '../support/stats';

const WARMUP = 300;
const OPERATIONS = 2000;
/** Operations per turn; the two keyspaces take turns so that drift (JIT, machine load) hits both alike. */
const TURN = 50;
const OTHER_HEROES = 20;
const quiet = { debug: () => undefined, info: () => undefined, warn: console.warn, error: console.error };

/** One Redis logical database filled with `filler` unrelated keys, and a cached repository on it. */
interface Keyspace {
  filler: number;
  redis: Redis;
  cache: CacheService;
  heroes: Cached<HeroRepository>;
  /** Puts live entries back at the hero's five keys (one pipeline, untimed). */
  cacheKeys(): Promise<void>;
  samples: { update: number[]; invalidate: number[] };
}

/**
 * REDIS_CACHE.md, section 3: invalidation cost grows with the keys a write touches, never with the
 * keyspace. Measures CachedRepository.update of a hero whose five keys (id, both language
 * lists, name list, all) hold live entries before each update, and CacheService.invalidate
 * alone on the same keys, with 1,000 and with 1,000,000 unrelated keys in the Redis database
 * (DEBUG POPULATE; two logical databases of one server, measured in alternating turns). The
 * SQLite database runs in WAL mode without fsync, so the disk does not drown the cache's share.
 */
export default async function invalidationScale(): Promise<SuiteResult> {
  const started = Date.now();
  const notes: string[] = [];
  const env = await startBenchEnvironment({ fastDatabase: true });
  const keyspaces: Keyspace[] = [];
  try {
    const plain = new PrismaHeroRepository(env.prisma);
    for (let i = 0; i < OTHER_HEROES; i += 1) {
      await plain.save({
        name: `Other ${i}`,
        language: i % 2 ? Language.English : Language.French,
        gender: Gender.Other,
        description: null,
      });
    }
    const hero = await plain.save({
      name: 'Bellerophon',
      language: Language.English,
      gender: Gender.Male,
      description: 'u0',
    });
    for (const [db, filler] of [
      [1, 1_000],
      [2, 1_000_000],
    ] as const)
      keyspaces.push(await openKeyspace(env, plain, hero, db, filler, notes));

    let current = hero;
    let counter = 0;
    const other = (language: Language): Language =>
      language === Language.English ? Language.French : Language.English;
    const update = async (keyspace: Keyspace): Promise<number> => {
      await keyspace.cacheKeys();
      counter += 1;
      return timeMicros(
        async () =>
          (current = await keyspace.heroes.update(hero.id, {
            language: other(current.language),
            description: `u${counter}`,
          })),
      );
    };
    const invalidate = async (keyspace: Keyspace): Promise<number> => {
      await keyspace.cacheKeys();
      return timeMicros(() => keyspace.cache.invalidate(touchedKeys(hero)));
    };

    for (const keyspace of keyspaces) for (let i = 0; i < WARMUP; i += 1) await update(keyspace);
    for (let done = 0; done < OPERATIONS; done += TURN) {
      for (const keyspace of keyspaces)
        for (let i = 0; i < TURN; i += 1) keyspace.samples.update.push(await update(keyspace));
      for (const keyspace of keyspaces)
        for (let i = 0; i < TURN; i += 1) keyspace.samples.invalidate.push(await invalidate(keyspace));
    }
    const table = report(keyspaces);
    const ratio = table.rows[2] as number[] | undefined;
    return {
      suite: 'invalidation-scale',
      title: 'Invalidation cost against keyspace size',
      durationMs: Date.now() - started,
      tables: [table],
      charts: [
        {
          title: 'Hero update with 5 cached keys',
          unit: 'us median, lower is better',
          bars: table.rows.slice(0, 2).map((row) => ({
            label: `${row[0] as string} in Redis`,
            value: row[1] as number,
            kind: 'library' as const,
          })),
        },
      ],
      figures: { updateRatio: Number(ratio?.[1]), invalidateRatio: Number(ratio?.[3]) },
      notes,
    };
  } finally {
    await Promise.all(keyspaces.map((keyspace) => keyspace.cache.close()));
    await env.dispose();
  }
}

/** The five keys an update of `hero` that changes its language touches. */
function touchedKeys(hero: Hero): string[] {
  return [
    heroKeys.byId({ id: hero.id }),
    heroKeys.byLanguage({ language: Language.English }),
    heroKeys.byLanguage({ language: Language.French }),
    heroKeys.byName({ name: hero.name }),
    heroKeys.all(),
  ];
}

async function openKeyspace(
  env: BenchEnvironment,
  plain: PrismaHeroRepository,
  hero: Hero,
  db: number,
  filler: number,
  notes: string[],
): Promise<Keyspace> {
  const redis = createRedisClient({ url: `${env.server.url}/${db}`, commandTimeoutMs: 5000 });
  if (!(await waitUntilReady(redis, 5000))) throw new Error(`bench: Redis database ${db} is not ready`);
  const cache = new CacheService(redis, { logger: quiet, nearCache: false });
  const strategy = heroCacheStrategy();
  const heroes = CachedRepository.wrap<Hero, HeroRepository>(plain, strategy, cache);
  const started = Date.now();
  // On its own connection without a command timeout: a million keys can take longer than the
  // cache's 5 s on a loaded machine, and a timed-out command would open the cache's breaker.
  const populator = new Redis(`${env.server.url}/${db}`);
  try {
    await populator.call('DEBUG', 'POPULATE', String(filler), 'filler', '64');
  } finally {
    populator.disconnect();
  }
  notes.push(
    `database ${db}: ${filler.toLocaleString('en-US')} filler keys (DEBUG POPULATE) in ${Date.now() - started} ms`,
  );
  // Redis was busy for the whole POPULATE: the cache may have distrusted it meanwhile.
  if (!(await cache.waitUntilReady(30_000)))
    throw new Error(`bench: the cache on database ${db} did not trust Redis again after POPULATE`);

  // Snapshot the entries the cached repository writes at the five keys, to restore them cheaply.
  const keys = touchedKeys(hero);
  await heroes.findById(hero.id);
  await heroes.findByLanguage(Language.English);
  await heroes.findByLanguage(Language.French);
  await heroes.findByName(hero.name);
  await heroes.findAll();
  const entries = await redis.mget(keys.map((key) => cache.fullKey(key)));
  if (
    entries.some(
      (raw, index) => raw === null || inspectEntry(keys[index] as string, raw, strategy.serializer).kind !== 'entry',
    )
  )
    throw new Error("bench: the hero's keys were not cached");
  const cacheKeys = async (): Promise<void> => {
    const pipeline = redis.pipeline();
    keys.forEach((key, index) => pipeline.set(cache.fullKey(key), entries[index] as string, 'EX', 3600));
    await pipeline.exec();
  };

  // Check once that an update removes exactly these keys.
  await cacheKeys();
  const after = await heroes.update(hero.id, { language: Language.French });
  await heroes.update(hero.id, { language: Language.English });
  const touched = strategy.affectedKeys(hero, after);
  if (touched.length !== keys.length || !keys.every((key) => touched.includes(key)))
    throw new Error(`bench: an update touches ${touched.join(', ')}`);
  if ((await redis.exists(...keys.map((key) => cache.fullKey(key)))) !== 0)
    throw new Error('bench: a key is still there after an update');
  return { filler, redis, cache, heroes, cacheKeys, samples: { update: [], invalidate: [] } };
}

function report(keyspaces: Keyspace[]): Table {
  const summaries = keyspaces.map((keyspace) => ({
    keyspace,
    update: summarize(keyspace.samples.update),
    invalidate: summarize(keyspace.samples.invalidate),
  }));
  const rows: (string | number)[][] = summaries.map(({ keyspace, update, invalidate }) => [
    `${keyspace.filler.toLocaleString('en-US')} keys`,
    update.median,
    update.p95,
    invalidate.median,
    invalidate.p95,
  ]);
  const [small, large] = summaries;
  if (small && large) {
    rows.push([
      'ratio (large / small)',
      large.update.median / small.update.median,
      large.update.p95 / small.update.p95,
      large.invalidate.median / small.invalidate.median,
      large.invalidate.p95 / small.invalidate.p95,
    ]);
  }
  return {
    title: `Hero update with 5 cached keys vs keyspace size, ${OPERATIONS} of each (microseconds; target ratio <= 1.2)`,
    header: ['unrelated keys', 'update median', 'update p95', 'invalidate median', 'invalidate p95'],
    rows,
  };
}
