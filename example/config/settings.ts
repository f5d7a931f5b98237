import { cacheEnvShape, cacheSettingsFrom, envTypes, parseEnv, type CacheSettings } from 'cachedrepo/settings';
import { errors } from 'cachedrepo';
import { z } from 'zod';

/** The application's variables, added to the cache's own (`cacheEnvShape`). TTLs are seconds. */
const appEnvShape = {
  CACHE_HERO_TTL: envTypes.ttl(3600),
  CACHE_CHILD_TTL: envTypes.ttl(1800),
  CACHE_STORY_TTL: envTypes.ttl(600),
  CACHE_DECK_LIST_TTL: envTypes.ttl(300),
  CACHE_DECK_DETAIL_TTL: envTypes.ttl(600),
  CACHE_CARD_TTL: envTypes.ttl(300),
  DATABASE_URL: z
    .string()
    .trim()
    .min(1, 'expected a database URL such as file:./data/dev.db')
    .default('file:./data/dev.db'),
  ...serviceEnvShape(),
};

/**
 * Service caching, warming and the admin HTTP API (REDIS_CACHE.md, "Service caching"). TTLs are seconds, timeouts
 * milliseconds.
 */
function serviceEnvShape() {
  return {
    CACHE_PROGRESS_TTL: envTypes.ttl(60),
    CACHE_DUE_CARDS_TTL: envTypes.ttl(30),
    CACHE_USER_STATS_TTL: envTypes.ttl(120),
    CACHE_ACHIEVEMENTS_TTL: envTypes.ttl(1800),
    CACHE_LEADERBOARD_TTL: envTypes.ttl(900),
    CACHE_RECENT_ACHIEVEMENTS_TTL: envTypes.ttl(300),
    CACHE_WARMING_ENABLED: envTypes.boolean.default(false),
    CACHE_WARMING_BATCH_SIZE: envTypes.integer(1, 1000, 'queries').default(10),
    CACHE_WARMING_TIMEOUT: envTypes.millis(5000),
    CACHE_WARMING_USERS: z
      .string()
      .trim()
      .transform((text) => [
        ...new Set(
          text
            .split(',')
            .map((id) => id.trim())
            .filter(Boolean),
        ),
      ])
      .pipe(
        z
          .array(z.string().max(200, 'expected user ids of at most 200 characters'))
          .max(10_000, 'expected at most 10000 user ids'),
      )
      .default([]),
    // Never refused by zod, so that ConfigError cannot echo it; its length is checked in loadSettings.
    CACHE_ADMIN_TOKEN: z.string().optional(),
    PORT: envTypes.integer(0, 65_535, 'port number').default(3000),
  };
}

/** Shortest admin token accepted (a bearer token guessable in fewer tries would not protect anything). */
const MIN_ADMIN_TOKEN_LENGTH = 16;

/** The validated configuration: the cache's, plus the entities' TTLs (seconds) and the database. */
export interface Settings extends CacheSettings {
  cache: CacheSettings['cache'] & {
    heroTtlSeconds: number;
    childTtlSeconds: number;
    storyTtlSeconds: number;
    deckListTtlSeconds: number;
    deckDetailTtlSeconds: number;
    cardTtlSeconds: number;
    progressTtlSeconds: number;
    dueCardsTtlSeconds: number;
    userStatsTtlSeconds: number;
    achievementsTtlSeconds: number;
    leaderboardTtlSeconds: number;
    recentAchievementsTtlSeconds: number;
  };
  databaseUrl: string;
  /** Cache warming (example/warming): on start when enabled, and on demand. */
  warming: {
    enabled: boolean;
    /** Queries loaded at once; the next batch starts when one is done. */
    batchSize: number;
    /** Milliseconds a warm-up may take; start-up waits no longer, and no batch starts after it. */
    timeoutMs: number;
    /** Learners whose progress is warmed. */
    userIds: string[];
  };
  /** The admin HTTP API (`npm run serve`, example/http). */
  http: {
    /** Loopback port to listen on (0: any free port). */
    port: number;
    /**
     * Bearer token of the /admin routes; undefined turns them off. A secret: `registerDataLayer` gives it to the cache
     * service (`secrets`), which keeps it out of every line it logs and every error its Redis clients emit.
     */
    adminToken: string | undefined;
  };
}

/** The names of every variable the application reads. */
export const CONFIG_VARIABLES = [...Object.keys(cacheEnvShape), ...Object.keys(appEnvShape)];

/**
 * Reads and validates the configuration once.
 * @param env the environment; empty strings count as unset. @default process.env
 * @throws {ConfigError} naming every invalid variable and what it expects.
 */
export function loadSettings(env: Record<string, string | undefined> = process.env): Settings {
  const v = parseEnv({ ...cacheEnvShape, ...appEnvShape }, env);
  const base = cacheSettingsFrom(v);
  return {
    ...base,
    cache: {
      ...base.cache,
      heroTtlSeconds: v.CACHE_HERO_TTL,
      childTtlSeconds: v.CACHE_CHILD_TTL,
      storyTtlSeconds: v.CACHE_STORY_TTL,
      deckListTtlSeconds: v.CACHE_DECK_LIST_TTL,
      deckDetailTtlSeconds: v.CACHE_DECK_DETAIL_TTL,
      cardTtlSeconds: v.CACHE_CARD_TTL,
      progressTtlSeconds: v.CACHE_PROGRESS_TTL,
      dueCardsTtlSeconds: v.CACHE_DUE_CARDS_TTL,
      userStatsTtlSeconds: v.CACHE_USER_STATS_TTL,
      achievementsTtlSeconds: v.CACHE_ACHIEVEMENTS_TTL,
      leaderboardTtlSeconds: v.CACHE_LEADERBOARD_TTL,
      recentAchievementsTtlSeconds: v.CACHE_RECENT_ACHIEVEMENTS_TTL,
    },
    databaseUrl: v.DATABASE_URL,
    warming: {
      enabled: v.CACHE_WARMING_ENABLED,
      batchSize: v.CACHE_WARMING_BATCH_SIZE,
      timeoutMs: v.CACHE_WARMING_TIMEOUT,
      userIds: v.CACHE_WARMING_USERS,
    },
    http: { port: v.PORT, adminToken: adminToken(v.CACHE_ADMIN_TOKEN) },
  };
}

/**
 * The admin token (kept out of the cache's logs by `registerDataLayer`, which passes it to the cache service).
 * @throws {ConfigError} for a token shorter than 16 characters (the value is never shown)
 */
function adminToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  if (token.trim().length < MIN_ADMIN_TOKEN_LENGTH)
    throw new errors.ConfigError([
      `CACHE_ADMIN_TOKEN=(value hidden): expected at least ${MIN_ADMIN_TOKEN_LENGTH} characters`,
    ]);
  return token;
}
