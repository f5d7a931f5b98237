import { spawnSync } from 'node:child_process';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { CacheLogger } from 'cachedrepo';
import { loadSettings, type Settings } from '../index';
import { registerDataLayer, TOKENS, type DataLayer } from '../index';
import { migrateDatabase, seedDatabase, type SeedSummary } from '../index';
import { REDIS_SERVER_BINARY, startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';
import { line } from './report';

/** Where the example's Redis comes from: the user's REDIS_URL, or a redis-server it started. */
export interface ExampleRedis {
  url: string;
  /** The server the example started and will stop, or null when REDIS_URL was given. */
  owned: RedisServerHandle | null;
}

/** Uses REDIS_URL when set; else starts a throwaway redis-server on a free loopback port. */
export async function provideRedis(): Promise<ExampleRedis> {
  if (process.env.REDIS_URL) {
    line(`Redis: using REDIS_URL from the environment.`);
    return { url: process.env.REDIS_URL, owned: null };
  }
  if (spawnSync(REDIS_SERVER_BINARY, ['--version']).error) {
    line('No redis-server was found on this machine, and REDIS_URL is not set.');
    line('Install one (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis),');
    line('or point REDIS_URL at a running Redis, then run `npm run example` again.');
    process.exit(1);
  }
  const owned = await startRedisServer();
  line(
    `Redis: REDIS_URL is not set, so the example started its own redis-server on ${owned.url} ` +
      `(it is stopped at the end).`,
  );
  return { url: owned.url, owned };
}

/** The PostgreSQL schema the example recreates in a database named by DATABASE_URL (never `public`). */
export const EXAMPLE_POSTGRES_SCHEMA = 'cachedrepo_example';

/**
 * `DATABASE_URL=postgresql://... npm run example` runs the example on PostgreSQL: unless
 * EXAMPLE_DATABASE_URL is set, main.ts's database becomes that URL with
 * `?schema=cachedrepo_example`, a schema of its own that the example drops and recreates (the
 * database's other schemas are left alone). Set here, before main() reads the variable.
 */
function exampleDatabaseFromDatabaseUrl(env: NodeJS.ProcessEnv): void {
  const url = env.DATABASE_URL?.trim();
  if (env.EXAMPLE_DATABASE_URL || !url || !/^postgres(ql)?:\/\//i.test(url)) return;
  const parsed = new URL(url);
  parsed.searchParams.set('schema', EXAMPLE_POSTGRES_SCHEMA);
  env.EXAMPLE_DATABASE_URL = parsed.toString();
}
exampleDatabaseFromDatabaseUrl(process.env);

/**
 * Recreates the example's database (a SQLite file, or on PostgreSQL the URL's own schema), brings
 * it to the schema with the same setup path as the application (migrateDatabase) and seeds it.
 */
export async function prepareDatabase(databaseUrl: string): Promise<SeedSummary> {
  await migrateDatabase(databaseUrl, { reset: true });
  const { container, layer } = dataLayer({ REDIS_ENABLED: 'false', DATABASE_URL: databaseUrl });
  try {
    return await seedDatabase({
      heroes: container.resolve(TOKENS.HeroRepository),
      children: container.resolve(TOKENS.ChildRepository),
      stories: container.resolve(TOKENS.StoryRepository),
      decks: container.resolve(TOKENS.DeckRepository),
      cards: container.resolve(TOKENS.CardRepository),
      // Learners too, now: seeding them inside the study scenario blocked the event loop
      // (better-sqlite3 is synchronous) while a store was in flight, long enough to time it out.
      study: {
        study: container.resolve(TOKENS.StudyRepository),
        achievements: container.resolve(TOKENS.AchievementRepository),
      },
    });
  } finally {
    await layer.close();
  }
}

/** Prints the cache's (throttled) warnings as one readable line each, inside the report. */
const exampleLogger: CacheLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (details, message) => line(`    [cache log] ${message}: ${JSON.stringify(details)}`),
  error: (details, message) => line(`    [cache log] ${message}: ${JSON.stringify(details)}`),
};

/** A container configured like an application would be: from environment variables. */
export function dataLayer(env: Record<string, string>): {
  container: DependencyContainer;
  layer: DataLayer;
  settings: Settings;
} {
  const settings = loadSettings({ ...process.env, ...env });
  const container = rootContainer.createChildContainer();
  const layer = registerDataLayer(container, settings, { logger: exampleLogger });
  return { container, layer, settings };
}

/** Like {@link dataLayer}, and waits (up to 2 s) for Redis to be connected. */
export async function cachedDataLayer(env: Record<string, string>): Promise<ReturnType<typeof dataLayer>> {
  // The walkthrough shows the near cache too (off by default: section 11 of the guide).
  const built = dataLayer({ REDIS_ENABLED: 'true', CACHE_NEAR_CACHE_ENABLED: 'true', ...env });
  await built.layer.cacheService?.waitUntilReady(2000);
  return built;
}
