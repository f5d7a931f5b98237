import { CachedRepository, type CacheLogger } from 'cachedrepo';
import { PrismaOutbox } from 'cachedrepo/prisma';
import { createCacheService, loadCacheSettings } from 'cachedrepo/settings';
import type { PrismaClient } from '../../generated/prisma/client';
import { heroCacheStrategy, PrismaHeroRepository, type Hero, type HeroRepository } from '../../example';
import type { ChartBar } from './report';

/**
 * The contenders of the YCSB suite, in one process: each reads a hero by id and updates its description, with its
 * documented defaults, on the suite's Redis and database. Reads of the peers load with Prisma's own `findUnique`
 * (what their users write in the factory); their updates write the database then delete the key, as their docs
 * advise.
 */
export interface YcsbContender {
  name: string;
  kind: ChartBar['kind'];
  read(id: string): Promise<{ description: string | null } | null | undefined>;
  update(id: string, description: string): Promise<unknown>;
}

export const YCSB_NAMES = {
  prisma: 'plain Prisma',
  libraryRedis: 'cachedrepo, Redis only',
  libraryNear: 'cachedrepo + near cache',
  bento: 'BentoCache L1 + L2',
  bentoBus: 'BentoCache L1 + L2 + bus',
  cmRedis: 'cache-manager redis',
  cmMemoryRedis: 'cache-manager memory + redis',
  /** The counter's end-to-end self-check: a process-local cache that never invalidates (must read stale). */
  neverInvalidates: 'self-check: never invalidates',
} as const;

export type YcsbContenderName = (typeof YCSB_NAMES)[keyof typeof YCSB_NAMES];

/** Contenders of the one-process runs; the four-process runs add BentoCache's bus, its multi-instance option. */
export function contendersFor(processes: number): YcsbContenderName[] {
  const all = Object.values(YCSB_NAMES).filter((name) => name !== YCSB_NAMES.neverInvalidates);
  return processes > 1 ? all : all.filter((name) => name !== YCSB_NAMES.bentoBus);
}

/** What the library's own settings default to, as the YCSB runs use them (reported with the results). */
export const LIBRARY_MODE =
  'durable mode: the outbox (CACHE_OUTBOX_ENABLED defaults to true; PrismaOutbox, as the example wires it), ' +
  'createCacheService(loadCacheSettings()) defaults otherwise; near cache via CACHE_NEAR_CACHE_ENABLED=true';

const quiet: CacheLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (details, message) => void process.stderr.write(`ycsb warn: ${message} ${JSON.stringify(details)}\n`),
  error: (details, message) => void process.stderr.write(`ycsb error: ${message} ${JSON.stringify(details)}\n`),
};

/**
 * Builds the named contenders on one Prisma client (the process's) and `redisUrl`, their keys under `prefix` (a new
 * one per run, so that no run reads what another cached).
 */
export async function buildYcsbContenders(
  prisma: PrismaClient,
  redisUrl: string,
  names: readonly YcsbContenderName[],
  prefix: string,
): Promise<{ contenders: YcsbContender[]; close(): Promise<void> }> {
  const closers: (() => Promise<unknown>)[] = [];
  const contenders: YcsbContender[] = [];
  const findUnique = (id: string) => prisma.hero.findUnique({ where: { id } });
  const writeRow = (id: string, description: string) => prisma.hero.update({ where: { id }, data: { description } });
  const library = async (near: boolean): Promise<YcsbContender> => {
    // The library's settings from the environment it would read, with their defaults.
    const settings = loadCacheSettings({
      REDIS_URL: redisUrl,
      CACHE_KEY_PREFIX: prefix,
      CACHE_NEAR_CACHE_ENABLED: String(near),
    });
    const service = createCacheService(settings, { outbox: new PrismaOutbox(prisma), logger: quiet });
    if (!service || !(await service.waitUntilReady(5000))) throw new Error('ycsb: the library cache is not ready');
    closers.push(() => service.close());
    const repository = CachedRepository.wrap<Hero, HeroRepository>(
      new PrismaHeroRepository(prisma),
      heroCacheStrategy(),
      service,
    );
    return {
      name: near ? YCSB_NAMES.libraryNear : YCSB_NAMES.libraryRedis,
      kind: 'library',
      read: (id) => repository.findById(id),
      update: (id, description) => repository.update(id, { description }),
    };
  };
  const url = new URL(redisUrl);
  const connection = { host: url.hostname, port: Number(url.port) };
  const bento = async (bus: boolean): Promise<YcsbContender> => {
    const { BentoCache, bentostore } = await import('bentocache');
    const { redisDriver, redisBusDriver } = await import('bentocache/drivers/redis');
    const { memoryDriver } = await import('bentocache/drivers/memory');
    const store = bentostore()
      .useL1Layer(memoryDriver({ maxSize: '32mb' }))
      .useL2Layer(redisDriver({ connection }));
    if (bus) store.useBus(redisBusDriver({ connection }));
    const cache = new BentoCache({ default: 'store', prefix, stores: { store } });
    closers.push(() => cache.disconnectAll());
    return {
      name: bus ? YCSB_NAMES.bentoBus : YCSB_NAMES.bento,
      kind: 'peer',
      read: (id) => cache.getOrSet({ key: id, ttl: '1h', factory: () => findUnique(id) }),
      update: async (id, description) => {
        await writeRow(id, description);
        await cache.delete({ key: id });
      },
    };
  };
  const cacheManager = async (memory: boolean): Promise<YcsbContender> => {
    const { createCache } = await import('cache-manager');
    const { Keyv } = await import('keyv');
    const { default: KeyvRedis } = await import('@keyv/redis');
    const redisStore = new Keyv({ store: new KeyvRedis(redisUrl), namespace: prefix });
    const cache = createCache({ stores: memory ? [new Keyv(), redisStore] : [redisStore] });
    closers.push(() => cache.disconnect());
    return {
      name: memory ? YCSB_NAMES.cmMemoryRedis : YCSB_NAMES.cmRedis,
      kind: 'peer',
      read: (id) => cache.wrap(id, () => findUnique(id), 3_600_000),
      update: async (id, description) => {
        await writeRow(id, description);
        await cache.del(id);
      },
    };
  };
  const builders: Record<YcsbContenderName, () => Promise<YcsbContender>> = {
    [YCSB_NAMES.prisma]: async () => ({
      name: YCSB_NAMES.prisma,
      kind: 'database',
      read: findUnique,
      update: writeRow,
    }),
    [YCSB_NAMES.libraryRedis]: () => library(false),
    [YCSB_NAMES.libraryNear]: () => library(true),
    [YCSB_NAMES.bento]: () => bento(false),
    [YCSB_NAMES.bentoBus]: () => bento(true),
    [YCSB_NAMES.cmRedis]: () => cacheManager(false),
    [YCSB_NAMES.cmMemoryRedis]: () => cacheManager(true),
    [YCSB_NAMES.neverInvalidates]: async () => {
      const cached = new Map<string, { description: string | null } | null>();
      return {
        name: YCSB_NAMES.neverInvalidates,
        kind: 'baseline',
        read: async (id) => {
          if (cached.has(id)) return cached.get(id);
          const row = await findUnique(id);
          cached.set(id, row);
          return row;
        },
        update: writeRow,
      };
    },
  };
  for (const name of names) contenders.push(await builders[name]());
  return {
    contenders,
    close: async () => {
      for (const close of closers.reverse()) await close().catch(() => undefined);
    },
  };
}
