import { CachedRepository, type CacheLogger, type CacheService } from 'cachedrepo';
import {
  ChangeCapture,
  PostgresChangeSource,
  prismaSqlClient,
  SqliteChangeSource,
  type ChangeSource,
} from 'cachedrepo/capture';
import { PrismaOutbox } from 'cachedrepo/prisma';
import { createCacheService, loadCacheSettings } from 'cachedrepo/settings';
import type { PrismaClient } from '../../generated/prisma/client';
import { heroCacheStrategy, PrismaHeroRepository, type Hero, type HeroRepository } from '../../example';
import type { ChartBar } from './report';
import { YCSB_CAPTURE_SLOT } from './ycsb-databases';

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
  libraryCapture: 'cachedrepo, capture',
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
  'createCacheService(loadCacheSettings()) defaults otherwise; near cache via CACHE_NEAR_CACHE_ENABLED=true; ' +
  '"cachedrepo, capture": Redis only, the same settings with change capture started (a ChangeCapture consumer in ' +
  'every process, one of them reading), whose captured writes then skip the outbox, on a copy of the records ' +
  'prepared for capture';

/** The databases a worker's contenders use (`ycsb-worker.ts`). */
export interface ContenderDatabases {
  /** The process's client on the suite's database. */
  prisma: PrismaClient;
  /** The copy prepared for change capture (`YcsbDatabase.capturedUrl`). */
  capturedUrl: string;
  /** The process's client on that copy, opened on first use. */
  captured(): Promise<PrismaClient>;
  /** A new client on `url`, set up as the worker sets up its own. */
  open(url: string): Promise<PrismaClient>;
}

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
  databases: ContenderDatabases,
  redisUrl: string,
  names: readonly YcsbContenderName[],
  prefix: string,
): Promise<{ contenders: YcsbContender[]; close(): Promise<void> }> {
  const { prisma } = databases;
  const closers: (() => Promise<unknown>)[] = [];
  const contenders: YcsbContender[] = [];
  const findUnique = (id: string) => prisma.hero.findUnique({ where: { id } });
  const writeRow = (id: string, description: string) => prisma.hero.update({ where: { id }, data: { description } });
  const library = async (mode: 'redis' | 'near' | 'capture'): Promise<YcsbContender> => {
    // The library's settings from the environment it would read, with their defaults.
    const settings = loadCacheSettings({
      REDIS_URL: redisUrl,
      CACHE_KEY_PREFIX: prefix,
      CACHE_NEAR_CACHE_ENABLED: String(mode === 'near'),
    });
    const client = mode === 'capture' ? await databases.captured() : prisma;
    // The outbox as the example wires it; with capture started, the captured writes skip it (DurableWrites).
    const service = createCacheService(settings, { outbox: new PrismaOutbox(client), logger: quiet });
    if (!service || !(await service.waitUntilReady(5000))) throw new Error('ycsb: the library cache is not ready');
    closers.push(() => service.close());
    if (mode === 'capture') await startCapture(service);
    const repository = CachedRepository.wrap<Hero, HeroRepository>(
      new PrismaHeroRepository(client),
      heroCacheStrategy(),
      service,
    );
    return {
      name: { redis: YCSB_NAMES.libraryRedis, near: YCSB_NAMES.libraryNear, capture: YCSB_NAMES.libraryCapture }[mode],
      kind: 'library',
      read: (id) => repository.findById(id),
      update: (id, description) => repository.update(id, { description }),
    };
  };
  // As an application starts it (example/capture/start-capture.ts), on the consumer's own connection; the setup SQL
  // ran once for the suite (ycsb-databases.ts). Closed before the cache service.
  const startCapture = async (service: CacheService): Promise<void> => {
    let source: ChangeSource;
    let own: PrismaClient | null = null;
    if (databases.capturedUrl.startsWith('file:')) {
      own = await databases.open(databases.capturedUrl);
      source = new SqliteChangeSource(prismaSqlClient(own));
    } else source = new PostgresChangeSource({ connection: databases.capturedUrl, slot: YCSB_CAPTURE_SLOT });
    const capture = new ChangeCapture(service, source, { strategies: [heroCacheStrategy()], logger: quiet });
    closers.push(async () => {
      await capture.stop();
      await own?.$disconnect();
    });
    await capture.start();
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
    [YCSB_NAMES.libraryRedis]: () => library('redis'),
    [YCSB_NAMES.libraryNear]: () => library('near'),
    [YCSB_NAMES.libraryCapture]: () => library('capture'),
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
