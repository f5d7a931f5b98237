import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { CacheLogger } from 'cachedrepo';
import { loadSettings, type Settings } from '../index';
import { registerDataLayer, TOKENS, type DataLayer } from '../index';
import { migrateDatabase, seedDatabase, type SeedSummary } from '../index';
import { provideRedis as provideLocalRedis, type ExampleRedis } from '../infrastructure/local-redis';
import { line } from './report';

export type { ExampleRedis } from '../infrastructure/local-redis';

/** Uses REDIS_URL when set; else starts a throwaway redis-server on a free loopback port. Exits 1 without either. */
export async function provideRedis(): Promise<ExampleRedis> {
  const redis = await provideLocalRedis('the example', line);
  if (redis === null) {
    line('Then run `npm run example` again.');
    process.exit(1);
  }
  return redis;
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
