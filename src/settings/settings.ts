import { z } from 'zod';
import { clusterNodesEnv, type ClusterNodesSetting } from '../redis/cluster/cluster-client';
import { ConfigError } from '../errors';
import { DEFAULTS } from '../defaults';
import { MAX_TTL_SECONDS } from '../repository/ttl';

/**
 * Configuration from the environment, validated with zod once at start. The cache's own
 * variables are here; an application adds its own (entity TTLs, database URL) to
 * {@link cacheEnvShape} and parses both at once with {@link parseEnv}. TTLs are seconds,
 * timeouts milliseconds.
 */

/** zod pieces for environment variables, for an application's own variables. */
export const envTypes = Object.freeze({
  /** `true/false`, `1/0`, `yes/no`, `on/off`, any case. */
  boolean: z
    .string()
    .trim()
    .toLowerCase()
    .refine((text) => ['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'].includes(text), 'expected true or false')
    .transform((text) => ['true', '1', 'yes', 'on'].includes(text)),
  /** A whole number between `min` and `max`, in `unit` (named in the error). */
  integer: (min: number, max: number, unit: string) =>
    z
      .string()
      .trim()
      .regex(/^-?\d+$/, `expected a whole number of ${unit}`)
      .transform(Number)
      .pipe(z.number().int().min(min, `expected at least ${min} ${unit}`).max(max, `expected at most ${max} ${unit}`)),
  /** A TTL in seconds (at least `min`, at most a year), `fallback` when unset. */
  ttl: (fallback: number, min = 1) => envTypes.integer(min, MAX_TTL_SECONDS, 'seconds').default(fallback),
  /** A timeout in milliseconds, `fallback` when unset. */
  millis: (fallback: number) => envTypes.integer(1, 600_000, 'milliseconds').default(fallback),
});

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

const nameList = z
  .string()
  .trim()
  .transform(
    (text) =>
      new Set(
        text
          .split(',')
          .map((part) => part.trim().toLowerCase())
          .filter(Boolean),
      ) as ReadonlySet<string>,
  );

/** The cache's variables, their types and defaults (REDIS_CACHE.md, section 7). */
export const cacheEnvShape = Object.freeze({
  REDIS_URL: redisUrl.default('redis://127.0.0.1:6379'),
  /**
   * Comma-separated seeds of a Redis Cluster (`host:port` or `redis[s]://[user:password@]host:port`); set, it replaces
   * REDIS_URL.
   */
  REDIS_CLUSTER_NODES: clusterNodesEnv.optional(),
  REDIS_PASSWORD: z.string().optional(),
  REDIS_USERNAME: z.string().optional(),
  REDIS_ENABLED: envTypes.boolean.default(true),
  REDIS_SOCKET_TIMEOUT: envTypes.millis(DEFAULTS.connectTimeoutMs),
  REDIS_COMMAND_TIMEOUT: envTypes.millis(DEFAULTS.commandTimeoutMs),
  REDIS_MAX_CONNECTIONS: envTypes.integer(1, 64, 'connections').default(1),
  REDIS_TLS_CA_FILE: z.string().optional(),
  REDIS_BREAKER_FAILURE_THRESHOLD: envTypes.integer(1, 1000, 'failures').default(DEFAULTS.breakerFailureThreshold),
  REDIS_BREAKER_PROBE_INTERVAL: envTypes.millis(DEFAULTS.breakerProbeIntervalMs),
  CACHE_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected 1 to 64 characters of A-Z a-z 0-9 _ . -')
    .default(DEFAULTS.keyPrefix),
  CACHE_DEFAULT_TTL: envTypes.ttl(DEFAULTS.ttlSeconds),
  CACHE_NEGATIVE_TTL: envTypes.ttl(DEFAULTS.negativeTtlSeconds, 0),
  CACHE_LEASE_TTL: envTypes.ttl(DEFAULTS.leaseTtlSeconds),
  CACHE_OUTBOX_ENABLED: envTypes.boolean.default(true),
  CACHE_OUTBOX_POLL_INTERVAL: envTypes.integer(10, 60_000, 'milliseconds').default(DEFAULTS.outboxPollIntervalMs),
  CACHE_MAX_ENTRY_BYTES: envTypes.integer(64, 512 * 1024 * 1024, 'bytes').default(DEFAULTS.maxEntryBytes),
  CACHE_DISABLED_ENTITIES: nameList.default(() => new Set<string>()),
  CACHE_NEAR_CACHE_ENABLED: envTypes.boolean.default(false),
  CACHE_NEAR_CACHE_TRACKING: z
    .enum(['default', 'broadcast'], { message: 'expected default or broadcast' })
    .default('default'),
  CACHE_NEAR_CACHE_MAX_STALENESS: envTypes
    .integer(10, 60_000, 'milliseconds')
    .default(DEFAULTS.nearCacheMaxStalenessMs),
  /** Whether near-cache hits wait for the invalidation fence (REDIS_CACHE.md, section 11). */
  CACHE_NEAR_CACHE_FENCE: envTypes.boolean.default(DEFAULTS.nearCacheInvalidationFence),
  /** Fraction of cache hits the consistency auditor checks against the database, 0 (off) to 1. */
  CACHE_AUDIT_SAMPLE_RATE: z
    .string()
    .trim()
    .regex(/^(0(\.\d+)?|1(\.0+)?|\.\d+)$/, 'expected a fraction from 0 to 1, such as 0.01')
    .transform(Number)
    .default(0),
});

/** Variables whose values are never shown in an error. */
const SECRET_VARIABLES: ReadonlySet<string> = new Set(['REDIS_PASSWORD', 'REDIS_URL', 'REDIS_CLUSTER_NODES']);

/**
 * Parses the variables of `shape` from `env`; empty strings count as unset.
 * @throws {ConfigError} naming every invalid variable and what it expects (never a password or URL)
 */
export function parseEnv<S extends z.ZodRawShape>(
  shape: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<z.ZodObject<S>> {
  const names = Object.keys(shape);
  const present = Object.fromEntries(
    names.flatMap((name) => (env[name] === undefined || env[name] === '' ? [] : [[name, env[name]]])),
  );
  const parsed = z.object(shape).safeParse(present);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      return (
        `${name}=${SECRET_VARIABLES.has(name) ? '(value hidden)' : JSON.stringify(present[name])}: ` +
        `${issue.message}`
      );
    }),
  );
}

/** The cache's validated configuration. TTLs are seconds; timeouts are milliseconds. */
export interface CacheSettings {
  redis: {
    /** `redis://` or `rediss://` (TLS). */
    url: string;
    /**
     * Seeds of a Redis Cluster (REDIS_CLUSTER_NODES); when set, the cache connects to the cluster and `url` is unused.
     */
    clusterNodes: ClusterNodesSetting | undefined;
    password: string | undefined;
    username: string | undefined;
    /** Master switch of the cache. */
    enabled: boolean;
    /** Milliseconds to establish a connection. */
    socketTimeoutMs: number;
    /** Milliseconds one command may take before it counts as failed (a miss). */
    commandTimeoutMs: number;
    /** Connections opened to Redis; commands go to them in turn. */
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
    /** Seconds, for entities and decorated methods without a TTL of their own. */
    defaultTtlSeconds: number;
    /** Seconds "no such entity" stays cached; 0 turns negative caching off. */
    negativeTtlSeconds: number;
    /** Seconds a read's lease lives (a slower load is served but not cached). */
    leaseTtlSeconds: number;
    /** Record writes in the database outbox and deliver it (REDIS_CACHE.md, section 5). */
    outboxEnabled: boolean;
    /** Milliseconds between two polls of the outbox by its deliverer. */
    outboxPollIntervalMs: number;
    /** Largest entry cached, in bytes. */
    maxEntryBytes: number;
    /** Entity types served uncached even when the cache is enabled (checked against the registered ones). */
    disabledEntities: ReadonlySet<string>;
    /** Near caches (in-process L1) of the strategies that declare one; false turns them all off. */
    nearCacheEnabled: boolean;
    /**
     * How Redis reports changed keys to near caches: per key read (`default`) or every key under the prefix
     * (`broadcast`).
     */
    nearCacheTracking: 'default' | 'broadcast';
    /**
     * Milliseconds a near cache may lag Redis at most when invalidations stop arriving without a connection closing.
     */
    nearCacheMaxStalenessMs: number;
    /**
     * Whether a near-cache hit waits until this process has read its sockets once since the read began, so that an
     * invalidation already sent by Redis when another process's write returned is applied first (the invalidation
     * fence, `NearCacheServiceOptions.invalidationFence`). False serves hits synchronously. @default true
     */
    nearCacheFence: boolean;
    /**
     * Fraction of cache hits (Redis or near cache) the consistency auditor checks against the base repository, 0 to 1;
     * 0 turns it off (REDIS_CACHE.md, section 13).
     */
    auditSampleRate: number;
  };
}

/** {@link CacheSettings} from values parsed with {@link cacheEnvShape}. */
export function cacheSettingsFrom(v: z.infer<z.ZodObject<typeof cacheEnvShape>>): CacheSettings {
  return {
    redis: {
      url: v.REDIS_URL,
      clusterNodes: v.REDIS_CLUSTER_NODES,
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
      disabledEntities: v.CACHE_DISABLED_ENTITIES,
      nearCacheEnabled: v.CACHE_NEAR_CACHE_ENABLED,
      nearCacheTracking: v.CACHE_NEAR_CACHE_TRACKING,
      nearCacheMaxStalenessMs: v.CACHE_NEAR_CACHE_MAX_STALENESS,
      nearCacheFence: v.CACHE_NEAR_CACHE_FENCE,
      auditSampleRate: v.CACHE_AUDIT_SAMPLE_RATE,
    },
  };
}

/**
 * Reads and validates the cache's variables once.
 * @param env the environment; empty strings count as unset. @default process.env
 * @throws {ConfigError} naming every invalid variable and what it expects
 */
export function loadCacheSettings(env: Record<string, string | undefined> = process.env): CacheSettings {
  return cacheSettingsFrom(parseEnv(cacheEnvShape, env));
}
