import 'reflect-metadata';
import { errors } from 'cachedrepo';
import { container as rootContainer } from 'tsyringe';
import { loadSettings, type Settings } from '../config/settings';
import { registerDataLayer, TOKENS, type DataLayer } from '../container';
import { migrateDatabase, seedDatabase } from '../infrastructure/prisma';
import { buildServer, type CacheServer } from './server';

/**
 * `npm run serve`: the cache's HTTP API on 127.0.0.1:PORT (default 3000) over DATABASE_URL
 * and REDIS_URL. It starts no Redis and no database server of its own: it applies the
 * committed migrations and, on an empty database, seeds it; then it waits for Redis (at most
 * REDIS_SOCKET_TIMEOUT ms), warms the cache when CACHE_WARMING_ENABLED (at most
 * CACHE_WARMING_TIMEOUT ms), and listens. SIGINT or SIGTERM closes the server, then the data
 * layer, and exits 0.
 */

const HOST = '127.0.0.1';

/** Seeds an empty database (no deck yet) through a data layer without cache, as the example does. */
async function seedIfEmpty(settings: Settings): Promise<void> {
  const container = rootContainer.createChildContainer();
  const layer = registerDataLayer(container, { ...settings, redis: { ...settings.redis, enabled: false } });
  try {
    const decks = container.resolve(TOKENS.DeckRepository);
    if ((await decks.findAll()).length > 0) return;
    const seed = await seedDatabase({
      heroes: container.resolve(TOKENS.HeroRepository),
      children: container.resolve(TOKENS.ChildRepository),
      stories: container.resolve(TOKENS.StoryRepository),
      decks,
      cards: container.resolve(TOKENS.CardRepository),
      study: {
        study: container.resolve(TOKENS.StudyRepository),
        achievements: container.resolve(TOKENS.AchievementRepository),
      },
    });
    console.log(`serve: seeded an empty database in ${seed.durationMs} ms: ${JSON.stringify(seed.counts)}`);
  } finally {
    await layer.close();
  }
}

async function main(): Promise<void> {
  const settings = loadSettings();
  await migrateDatabase(settings.databaseUrl);
  await seedIfEmpty(settings);
  const container = rootContainer.createChildContainer();
  const layer: DataLayer = registerDataLayer(container, settings);
  let server: CacheServer | null = null;
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log(`serve: ${signal} received, closing`);
    await server?.close();
    await layer.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  server = await buildServer({ container, settings, logger: { level: process.env.LOG_LEVEL ?? 'warn' } });
  if (layer.cacheService && !(await layer.cacheService.waitUntilReady(settings.redis.socketTimeoutMs))) {
    console.log(
      `serve: Redis (REDIS_URL) not ready after ${settings.redis.socketTimeoutMs} ms; serving ` +
        `from the database until it is`,
    );
  }
  if (settings.warming.enabled) {
    const report = await container.resolve(TOKENS.CacheWarmer).warm();
    const done = report.skipped ?? `of ${report.warmed.length} queries in ${report.durationMs.toFixed(0)} ms`;
    const unfinished = [...report.unfinished, ...report.notStarted].join(', ');
    const timedOut = report.timedOut
      ? ` (stopped at CACHE_WARMING_TIMEOUT=${report.timeoutMs} ms; not done: ${unfinished})`
      : '';
    const failed = report.failed.length > 0 ? `; failed: ${JSON.stringify(report.failed)}` : '';
    console.log(`serve: warm-up ${done}${timedOut}${failed}`);
  }
  if (stopping) return;
  const address = await server.app.listen({ host: HOST, port: settings.http.port });
  console.log(
    `serve: listening on ${address} (admin routes ` +
      `${settings.http.adminToken === undefined ? 'off: CACHE_ADMIN_TOKEN is not set' : 'on'})`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof errors.ConfigError ? error.message : error);
  process.exit(1);
});
