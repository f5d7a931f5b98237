import { Redis } from 'ioredis';
import { SuperJSON } from 'superjson';
import { CachedRepository, CacheService, createRedisClient, waitUntilReady, type Cached } from 'cachedrepo';
import {
  Gender,
  heroCacheStrategy,
  Language,
  PrismaHeroRepository,
  type Hero,
  type HeroRepository,
} from '../../example';
import type { BenchEnvironment } from './environment';
import { benchLogger } from './environment';

/**
 * The readers compared side by side, on one payload (a hero of about 500 bytes encoded) and one
 * redis-server. Baselines are what a user would otherwise run, with defaults: a default ioredis
 * client (auto-pipelining off, and a second one with it on) doing GET + superjson.parse; the
 * peers (BentoCache 1.6, cache-manager 7) with their defaults and their read-through calls
 * (`getOrSet`, `wrap`, which coalesce concurrent misses).
 */

/** Where a reader's result comes from. */
export type ReaderKind = 'baseline' | 'library' | 'peer' | 'database';

/** One reader of hero number `index` (0..count-1). */
export interface Reader {
  name: string;
  kind: ReaderKind;
  read(index: number): Promise<unknown>;
}

/** Every reader, the heroes they read, and how to count what reached the database. */
export interface Readers {
  heroes: Hero[];
  all: Reader[];
  byName(name: string): Reader;
  /** Calls of each reader's loader (the database) since start. */
  loads: Map<string, number>;
  /** The library's CacheServices: Redis only, and with its near cache. */
  redisOnly: CacheService;
  withNear: CacheService;
  /** The library's repositories (Redis only / near cache). */
  repositories: { redisOnly: Cached<HeroRepository>; near: Cached<HeroRepository> };
  close(): Promise<void>;
}

export const NAMES = {
  raw: 'raw GET + parse (default ioredis)',
  rawPipelined: 'raw GET + parse (auto-pipelining)',
  redisHit: 'cachedrepo Redis hit',
  nearHit: 'cachedrepo near-cache hit',
  bentoL2: 'BentoCache L2 (Redis)',
  bentoL1L2: 'BentoCache L1 + L2',
  cmRedis: 'cache-manager Keyv redis',
  cmMemoryRedis: 'cache-manager memory + redis',
  prisma: 'plain Prisma (SQLite)',
} as const;

/** A hero of the benchmark payload: 300 characters of description, about 500 bytes encoded. */
export function benchHero(index: number): Parameters<PrismaHeroRepository['save']>[0] {
  return {
    name: `Atalanta ${index}`,
    language: Language.Greek,
    gender: Gender.Female,
    description: `${index} `.padEnd(300, 'x'),
  };
}

/**
 * Creates `count` heroes and every reader, and reads each hero through each reader twice, so
 * every cache holds them (the near cache after its Redis hit).
 */
export async function buildReaders(
  env: BenchEnvironment,
  count: number,
  options: { warm?: boolean; redisUrl?: string } = {},
): Promise<Readers> {
  const redisUrl = options.redisUrl ?? env.server.url;
  const plain = new PrismaHeroRepository(env.prisma);
  const heroes: Hero[] = [];
  for (let i = 0; i < count; i += 1) heroes.push(await plain.save(benchHero(i)));
  const loads = new Map<string, number>();
  const counted = (name: string, id: string) => (): Promise<Hero | null> => {
    loads.set(name, (loads.get(name) ?? 0) + 1);
    return plain.findById(id);
  };
  const closers: (() => Promise<unknown>)[] = [];

  // Baselines: default clients.
  const superjson = new SuperJSON();
  const raw = new Redis(redisUrl);
  const rawPipelined = new Redis(redisUrl, { enableAutoPipelining: true });
  closers.push(
    async () => raw.disconnect(),
    async () => rawPipelined.disconnect(),
  );
  for (const [i, hero] of heroes.entries()) await raw.set(`raw:hero:${i}`, superjson.stringify(hero));

  // The library: one CacheService without near caches, one with (the default).
  const makeService = async (nearCache: boolean): Promise<CacheService> => {
    const client = createRedisClient({ url: redisUrl, commandTimeoutMs: 5000 });
    if (!(await waitUntilReady(client, 5000))) throw new Error('bench: library client not ready');
    const service = new CacheService(client, { logger: benchLogger, nearCache });
    if (!(await service.waitUntilReady(5000))) throw new Error('bench: library cache not ready');
    closers.push(() => service.close());
    return service;
  };
  const redisOnly = await makeService(false);
  const withNear = await makeService(true);
  const countingBase = (name: string): PrismaHeroRepository =>
    new Proxy(plain, {
      get(target, property, receiver) {
        if (property === 'findById') return (id: string) => counted(name, id)();
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
  const strategy = heroCacheStrategy();
  const repoRedis = CachedRepository.wrap<Hero, HeroRepository>(countingBase(NAMES.redisHit), strategy, redisOnly);
  const repoNear = CachedRepository.wrap<Hero, HeroRepository>(countingBase(NAMES.nearHit), strategy, withNear);

  // Peers, with their defaults (ESM packages: imported dynamically).
  const { BentoCache, bentostore } = await import('bentocache');
  const { redisDriver } = await import('bentocache/drivers/redis');
  const { memoryDriver } = await import('bentocache/drivers/memory');
  const url = new URL(redisUrl);
  const connection = { host: url.hostname, port: Number(url.port) };
  const bento = new BentoCache({
    default: 'l2',
    stores: {
      l2: bentostore().useL2Layer(redisDriver({ connection })),
      l1l2: bentostore()
        .useL1Layer(memoryDriver({ maxSize: '32mb' }))
        .useL2Layer(redisDriver({ connection })),
    },
  });
  closers.push(() => bento.disconnectAll());
  const { createCache } = await import('cache-manager');
  const { Keyv } = await import('keyv');
  const { default: KeyvRedis } = await import('@keyv/redis');
  const cmRedisStore = new KeyvRedis(redisUrl);
  const cmRedis = createCache({ stores: [new Keyv({ store: cmRedisStore })] });
  const cmMemoryRedisStore = new KeyvRedis(redisUrl);
  const cmMemoryRedis = createCache({ stores: [new Keyv(), new Keyv({ store: cmMemoryRedisStore })] });
  closers.push(
    () => cmRedis.disconnect(),
    () => cmMemoryRedis.disconnect(),
  );

  const id = (index: number): string => (heroes[index] as Hero).id;
  const all: Reader[] = [
    {
      name: NAMES.raw,
      kind: 'baseline',
      read: async (i) => superjson.parse((await raw.get(`raw:hero:${i}`)) as string),
    },
    {
      name: NAMES.rawPipelined,
      kind: 'baseline',
      read: async (i) => superjson.parse((await rawPipelined.get(`raw:hero:${i}`)) as string),
    },
    { name: NAMES.redisHit, kind: 'library', read: (i) => repoRedis.findById(id(i)) },
    { name: NAMES.nearHit, kind: 'library', read: (i) => repoNear.findById(id(i)) },
    {
      name: NAMES.bentoL2,
      kind: 'peer',
      read: (i) => bento.use('l2').getOrSet({ key: `bento:${i}`, ttl: '1h', factory: counted(NAMES.bentoL2, id(i)) }),
    },
    {
      name: NAMES.bentoL1L2,
      kind: 'peer',
      read: (i) =>
        bento.use('l1l2').getOrSet({ key: `bento12:${i}`, ttl: '1h', factory: counted(NAMES.bentoL1L2, id(i)) }),
    },
    {
      name: NAMES.cmRedis,
      kind: 'peer',
      read: (i) => cmRedis.wrap(`cm:${i}`, counted(NAMES.cmRedis, id(i)), 3_600_000),
    },
    {
      name: NAMES.cmMemoryRedis,
      kind: 'peer',
      read: (i) => cmMemoryRedis.wrap(`cmm:${i}`, counted(NAMES.cmMemoryRedis, id(i)), 3_600_000),
    },
    { name: NAMES.prisma, kind: 'database', read: (i) => plain.findById(id(i)) },
  ];
  if (options.warm ?? true) {
    for (let pass = 0; pass < 2; pass += 1)
      for (const reader of all) for (let i = 0; i < count; i += 1) await reader.read(i);
  }
  return {
    heroes,
    all,
    byName: (name) => {
      const found = all.find((reader) => reader.name === name);
      if (!found) throw new Error(`bench: no reader ${name}`);
      return found;
    },
    loads,
    redisOnly,
    withNear,
    repositories: { redisOnly: repoRedis, near: repoNear },
    close: async () => {
      for (const close of closers.reverse()) await close().catch(() => undefined);
    },
  };
}
