import 'reflect-metadata';
import { errors } from 'cachedrepo';
import type { RedisServerHandle } from 'cachedrepo/testing';
import { container as rootContainer } from 'tsyringe';
import { loadSettings, type Settings } from '../config/settings';
import { registerDataLayer, TOKENS, type DataLayer } from '../container';
import { migrateDatabase, seedDatabase } from '../infrastructure/prisma';
import { provideRedis } from '../infrastructure/local-redis';
import { buildServer, type CacheServer } from './server';

/**
 * `npm run serve`: the cache's HTTP API on 127.0.0.1:PORT (default 3000) over DATABASE_URL
 * and REDIS_URL. When REDIS_URL is unset (and neither REDIS_CLUSTER_NODES nor REDIS_ENABLED=false
 * says otherwise) it starts a throwaway redis-server of its own on a free loopback port, as
 * `npm run example` does, says so, and stops it when it exits; it starts no database server:
 * it applies the committed migrations and, on an empty database, seeds it. Then it waits for
 * Redis (at most REDIS_SOCKET_TIMEOUT ms), warms the cache when CACHE_WARMING_ENABLED (at most
 * CACHE_WARMING_TIMEOUT ms), and listens. SIGINT or SIGTERM closes the server, then the data
 * layer, stops its own redis-server, and exits 0.
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

/**
 * The settings, with REDIS_URL pointing at a redis-server started here when the cache is on and no Redis was
 * configured (see the module comment).
 */
async function settingsWithRedis(): Promise<{ settings: Settings; owned: RedisServerHandle | null }> {
  const configured = loadSettings();
  if (!configured.redis.enabled || process.env.REDIS_URL || configured.redis.clusterNodes !== undefined)
    return { settings: configured, owned: null };
  const redis = await provideRedis('serve', (text) => console.log(`serve: ${text}`));
  if (redis === null) {
    console.log('serve: serving from the database only (the cache is bypassed until a Redis answers)');
    return { settings: configured, owned: null };
  }
  return { settings: loadSettings({ ...process.env, REDIS_URL: redis.url }), owned: redis.owned };
}

async function main(): Promise<void> {
  const { settings, owned } = await settingsWithRedis();
  const stopOwnedRedis = async (): Promise<void> => {
    if (!owned) return;
    await owned.stop();
    console.log(`serve: stopped its redis-server (${owned.url})`);
  };
  try {
    await serve(settings, stopOwnedRedis);
  } catch (error) {
    await stopOwnedRedis();
    throw error;
  }
}

async function serve(settings: Settings, stopOwnedRedis: () => Promise<void>): Promise<void> {
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
    await stopOwnedRedis();
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
