import { z } from 'zod';
import { ConfigError } from '../cache/errors';

export { ConfigError };

/** Entity types whose caching can be switched off one by one with CACHE_DISABLED_ENTITIES. */
export const CACHED_ENTITY_TYPES = ['hero', 'child', 'story', 'deck', 'card'] as const;
export type CachedEntityType = (typeof CACHED_ENTITY_TYPES)[number];

/** The validated configuration. TTLs are seconds; timeouts are milliseconds. */
export interface Settings {
  redis: {
    /** `redis://` or `rediss://` (TLS). */
    url: string;
    password: string | undefined;
    username: string | undefined;
    /** Master switch of the cache. */
    enabled: boolean;
    /** Milliseconds to establish a connection. */
    socketTimeoutMs: number;
    /** Milliseconds one command may take before it counts as failed (a miss). */
    commandTimeoutMs: number;
    /** Connections opened to Redis (commands are auto-pipelined over each). */
    maxConnections: number;
    /** PEM file of the CA that signed the server's TLS certificate (rediss:// with a private CA). */
    tlsCaFile: string | undefined;
    /** Consecutive failed commands that open the circuit breaker. */
    breakerFailureThreshold: number;
    /** Milliseconds between probes of Redis while the breaker is open. */
    breakerProbeIntervalMs: number;
  };
  cache: {
    keyPrefix: string;
    defaultTtlSeconds: number;
    negativeTtlSeconds: number;
    /** Seconds a read's lease lives (a slower load is served but not cached). */
    leaseTtlSeconds: number;
    /** Record writes in the database outbox and deliver it (see REDIS_CACHE.md, section 5). */
    outboxEnabled: boolean;
    /** Milliseconds between two polls of the outbox by its deliverer. */
    outboxPollIntervalMs: number;
    /** Largest entry cached, in bytes. */
    maxEntryBytes: number;
    heroTtlSeconds: number;
    childTtlSeconds: number;
    storyTtlSeconds: number;
    deckListTtlSeconds: number;
    deckDetailTtlSeconds: number;
    cardTtlSeconds: number;
    /** Entity types served uncached even when the cache is enabled. */
    disabledEntities: ReadonlySet<CachedEntityType>;
  };
  databaseUrl: string;
}

const booleanText = z
  .string()
  .trim()
  .toLowerCase()
  .refine((text) => ['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'].includes(text), 'expected true or false')
  .transform((text) => ['true', '1', 'yes', 'on'].includes(text));

const integer = (min: number, max: number, unit: string) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+$/, `expected a whole number of ${unit}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `expected at least ${min} ${unit}`).max(max, `expected at most ${max} ${unit}`));

const ttl = (fallback: number, min = 1) => integer(min, 31_536_000, 'seconds').default(fallback);
const millis = (fallback: number) => integer(1, 600_000, 'milliseconds').default(fallback);

const redisUrl = z
  .string()
  .trim()
  .refine((text) => {
    try {
      const url = new URL(text);
      return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
    } catch {
      return false;
    }
  }, 'expected a URL of the form redis://host:port or rediss://host:port');

const entityList = z
  .string()
  .trim()
  .transform((text) => text.split(',').map((part) => part.trim().toLowerCase()).filter(Boolean))
  .refine((names) => names.every((name) => (CACHED_ENTITY_TYPES as readonly string[]).includes(name)), `expected a comma-separated list of ${CACHED_ENTITY_TYPES.join(', ')}`)
  .transform((names) => new Set(names as CachedEntityType[]));

const schema = z.object({
  REDIS_URL: redisUrl.default('redis://127.0.0.1:6379'),
  REDIS_PASSWORD: z.string().optional(),
  REDIS_USERNAME: z.string().optional(),
  REDIS_ENABLED: booleanText.default(true),
  REDIS_SOCKET_TIMEOUT: millis(2000),
  REDIS_COMMAND_TIMEOUT: millis(500),
  REDIS_MAX_CONNECTIONS: integer(1, 64, 'connections').default(1),
  REDIS_TLS_CA_FILE: z.string().optional(),
  REDIS_BREAKER_FAILURE_THRESHOLD: integer(1, 1000, 'failures').default(3),
  REDIS_BREAKER_PROBE_INTERVAL: millis(1000),
  CACHE_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected 1 to 64 characters of A-Z a-z 0-9 _ . -')
    .default('cache'),
  CACHE_DEFAULT_TTL: ttl(3600),
  CACHE_NEGATIVE_TTL: ttl(30, 0),
  CACHE_LEASE_TTL: ttl(10),
  CACHE_OUTBOX_ENABLED: booleanText.default(true),
  CACHE_OUTBOX_POLL_INTERVAL: integer(10, 60_000, 'milliseconds').default(100),
  CACHE_MAX_ENTRY_BYTES: integer(64, 512 * 1024 * 1024, 'bytes').default(1_048_576),
  CACHE_HERO_TTL: ttl(3600),
  CACHE_CHILD_TTL: ttl(1800),
  CACHE_STORY_TTL: ttl(600),
  CACHE_DECK_LIST_TTL: ttl(300),
  CACHE_DECK_DETAIL_TTL: ttl(600),
  CACHE_CARD_TTL: ttl(300),
  CACHE_DISABLED_ENTITIES: entityList.default(new Set<CachedEntityType>()),
  DATABASE_URL: z.string().trim().min(1, 'expected a database URL such as file:./data/dev.db').default('file:./data/dev.db'),
});

/** The names of every variable this library reads. */
export const CONFIG_VARIABLES = Object.keys(schema.shape);

/**
 * Reads and validates the configuration once.
 * @param env the environment; empty strings count as unset. @default process.env
 * @throws {ConfigError} naming every invalid variable and what it expects.
 */
export function loadSettings(env: Record<string, string | undefined> = process.env): Settings {
  const present = Object.fromEntries(CONFIG_VARIABLES.flatMap((name) => (env[name] === undefined || env[name] === '' ? [] : [[name, env[name]]])));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0]);
        const shown = name === 'REDIS_PASSWORD' || name === 'REDIS_URL' ? '(value hidden)' : JSON.stringify(present[name]);
        return `${name}=${shown}: ${issue.message}`;
      }),
    );
  }
  const v = parsed.data;
  return {
    redis: {
      url: v.REDIS_URL,
      password: v.REDIS_PASSWORD,
      username: v.REDIS_USERNAME,
      enabled: v.REDIS_ENABLED,
      socketTimeoutMs: v.REDIS_SOCKET_TIMEOUT,
      commandTimeoutMs: v.REDIS_COMMAND_TIMEOUT,
      maxConnections: v.REDIS_MAX_CONNECTIONS,
      tlsCaFile: v.REDIS_TLS_CA_FILE,
      breakerFailureThreshold: v.REDIS_BREAKER_FAILURE_THRESHOLD,
      breakerProbeIntervalMs: v.REDIS_BREAKER_PROBE_INTERVAL,
    },
    cache: {
      keyPrefix: v.CACHE_KEY_PREFIX,
      defaultTtlSeconds: v.CACHE_DEFAULT_TTL,
      negativeTtlSeconds: v.CACHE_NEGATIVE_TTL,
      leaseTtlSeconds: v.CACHE_LEASE_TTL,
      outboxEnabled: v.CACHE_OUTBOX_ENABLED,
      outboxPollIntervalMs: v.CACHE_OUTBOX_POLL_INTERVAL,
      maxEntryBytes: v.CACHE_MAX_ENTRY_BYTES,
      heroTtlSeconds: v.CACHE_HERO_TTL,
      childTtlSeconds: v.CACHE_CHILD_TTL,
      storyTtlSeconds: v.CACHE_STORY_TTL,
      deckListTtlSeconds: v.CACHE_DECK_LIST_TTL,
      deckDetailTtlSeconds: v.CACHE_DECK_DETAIL_TTL,
      cardTtlSeconds: v.CACHE_CARD_TTL,
      disabledEntities: v.CACHE_DISABLED_ENTITIES,
    },
    databaseUrl: v.DATABASE_URL,
  };
}
