/**
 * A second process for the near-invalidation suite: its own Prisma client on the suite's SQLite
 * file, its own Redis connections and CacheService with near caches (TRACKING_MODE: default or
 * broadcast) and a cached hero repository. Protocol, one JSON object per line:
 * stdin  `{"op": "prime", "id": "..."}`: read until the hero is in the near cache;
 *        `{"op": "watch"}`: poll, every turn of the event loop, until the near cache drops an entry;
 *        `{"op": "stats"}`.
 * stdout `{"ready": true}` once, then one answer per request: `{"ok": true, ...}`; `watch`
 * answers `{"droppedAt": "<process.hrtime.bigint() when seen>"}` (CLOCK_MONOTONIC: comparable
 * between processes of one machine).
 */
import { createInterface } from 'node:readline';
import { CachedRepository, CacheService, createRedisClient, waitUntilReady } from 'cachedrepo';
import {
  createPrismaClient,
  heroCacheStrategy,
  PrismaHeroRepository,
  type Hero,
  type HeroRepository,
} from '../../example';

const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: (details: object, message: string) => void process.stderr.write(`${message} ${JSON.stringify(details)}\n`),
  error: () => undefined,
};

async function main(): Promise<void> {
  const prisma = createPrismaClient(process.env.DATABASE_URL as string);
  const redis = createRedisClient({ url: process.env.REDIS_URL as string, commandTimeoutMs: 5000 });
  if (!(await waitUntilReady(redis, 5000))) throw new Error('near-reader: Redis not ready');
  const cache = new CacheService(redis, {
    logger: quiet,
    nearCache: { trackingMode: (process.env.TRACKING_MODE ?? 'default') as 'default' | 'broadcast' },
  });
  if (!(await cache.waitUntilReady(5000))) throw new Error('near-reader: cache not ready');
  const heroes = CachedRepository.wrap<Hero, HeroRepository>(
    new PrismaHeroRepository(prisma),
    heroCacheStrategy(),
    cache,
  );
  const near = () => cache.health().nearCache;
  const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  const handle = async (request: { op: string; id?: string }): Promise<object> => {
    switch (request.op) {
      case 'prime': {
        const deadline = Date.now() + 5000;
        for (;;) {
          const before = near().caches[0]?.hits ?? 0;
          await heroes.findById(request.id as string);
          if ((near().caches[0]?.hits ?? 0) > before) return { ok: true };
          if (Date.now() > deadline)
            throw new Error(`near-reader: ${request.id} never reached the near cache (${JSON.stringify(near())})`);
          await turn();
        }
      }
      case 'watch': {
        const before = near().caches[0]?.invalidations ?? 0;
        const deadline = Date.now() + 5000;
        for (;;) {
          if ((near().caches[0]?.invalidations ?? 0) > before)
            return { ok: true, droppedAt: String(process.hrtime.bigint()) };
          if (Date.now() > deadline) throw new Error('near-reader: no invalidation within 5 s');
          await turn();
        }
      }
      case 'stats':
        return { ok: true, nearCache: near() };
      default:
        throw new Error(`near-reader: unknown op ${request.op}`);
    }
  };
  createInterface({ input: process.stdin })
    .on('line', (line) => {
      handle(JSON.parse(line) as { op: string }).then(
        (answer) => process.stdout.write(`${JSON.stringify(answer)}\n`),
        (error: unknown) => process.stdout.write(`${JSON.stringify({ ok: false, error: String(error) })}\n`),
      );
    })
    .on('close', () => void Promise.allSettled([cache.close(), prisma.$disconnect()]).then(() => process.exit(0)));
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`near-reader failed: ${String(error)}\n`);
  process.exit(1);
});
