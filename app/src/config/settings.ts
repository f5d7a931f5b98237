import { cacheEnvShape, cacheSettingsFrom, envTypes, parseEnv, type CacheSettings } from '@cachedrepo/core';
import { z } from 'zod';

/** The application's variables, added to the cache's own (`cacheEnvShape`). TTLs are seconds. */
const appEnvShape = {
  CACHE_HERO_TTL: envTypes.ttl(3600),
  CACHE_CHILD_TTL: envTypes.ttl(1800),
  CACHE_STORY_TTL: envTypes.ttl(600),
  CACHE_DECK_LIST_TTL: envTypes.ttl(300),
  CACHE_DECK_DETAIL_TTL: envTypes.ttl(600),
  CACHE_CARD_TTL: envTypes.ttl(300),
  DATABASE_URL: z.string().trim().min(1, 'expected a database URL such as file:./data/dev.db').default('file:./data/dev.db'),
};

/** The validated configuration: the cache's, plus the entities' TTLs (seconds) and the database. */
export interface Settings extends CacheSettings {
  cache: CacheSettings['cache'] & {
    heroTtlSeconds: number;
    childTtlSeconds: number;
    storyTtlSeconds: number;
    deckListTtlSeconds: number;
    deckDetailTtlSeconds: number;
    cardTtlSeconds: number;
  };
  databaseUrl: string;
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
    },
    databaseUrl: v.DATABASE_URL,
  };
}
