import { Cluster } from 'ioredis';
import { z } from 'zod';
import { RedisClientError } from '../../errors';
import { redactSecrets } from '../../observability/redact';
import { SecretRedactor } from '../../observability/secret-redactor';
import { readCa, redactEmittedErrors, waitForReady } from '../connection-setup';
import { DEFAULTS } from '../../defaults';

/** One seed node of a cluster. */
export interface ClusterNodeAddress {
  host: string;
  port: number;
}

/** What `REDIS_CLUSTER_NODES` says. */
export interface ClusterNodesSetting {
  nodes: ClusterNodeAddress[];
  /** True when the entries are `rediss://` URLs. */
  tls: boolean;
  username: string | undefined;
  password: string | undefined;
}

/** How to reach a cluster. Timeouts are milliseconds. */
export interface RedisClusterConnectionOptions {
  /** Seed nodes (any few masters or replicas: the client discovers the rest), or a `REDIS_CLUSTER_NODES` value. */
  nodes: readonly ClusterNodeAddress[] | string;
  /** ACL user name; overrides one in `nodes` URLs. */
  username?: string | undefined;
  /** Overrides a password in `nodes` URLs. */
  password?: string | undefined;
  /** TLS to every node; also on when `nodes` are `rediss://` URLs. @default false */
  tls?: boolean;
  /** PEM file of a private CA to trust for TLS (else the system's CAs). */
  tlsCaFile?: string | undefined;
  /** Milliseconds to establish a connection to one node. @default 2000 */
  connectTimeoutMs?: number;
  /**
   * Milliseconds a command may take, redirections and retries included, before it fails (and the read becomes a miss).
   * @default 500
   */
  commandTimeoutMs?: number;
  /** Milliseconds between two slot-map refreshes (CLUSTER SLOTS), besides those MOVED triggers. @default 5000 */
  slotsRefreshIntervalMs?: number;
  /** Connection name shown by CLIENT LIST on every node. @default 'cachedrepo' */
  connectionName?: string;
  /**
   * ioredis auto-pipelining. Off by default on a cluster: ioredis retries a cluster pipeline
   * after a failure with fresh command timers, so during a failover one command could wait
   * about 2 s with a 500 ms timeout (measured: bench/cluster.ts, REDIS_CACHE.md "Redis Cluster").
   * @default false
   */
  autoPipelining?: boolean;
  /**
   * More strings (an admin token, say) that no error this client emits, and no log line of a CacheService over it,
   * may show; the passwords are always among them. @default []
   */
  secrets?: readonly string[] | undefined;
}

const ENTRY = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]/@]+)):(\d{1,5})$/;

/**
 * Parses a `REDIS_CLUSTER_NODES` value: comma-separated seeds, each `host:port`, `[ipv6]:port`,
 * or a URL `redis://[user[:password]@]host:port` / `rediss://...` (TLS). URLs must all use one
 * scheme; plain entries take it. Credentials may appear in one URL or, identical, in several.
 * @throws {RedisClientError} naming the bad entry (never a password)
 */
export function parseClusterNodes(text: string): ClusterNodesSetting {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new RedisClientError('REDIS_CLUSTER_NODES: expected at least one host:port');
  const schemes = new Set<string>();
  const credentials = new Set<string>();
  let username: string | undefined;
  let password: string | undefined;
  const nodes = entries.map((entry) => {
    if (!/^[a-z]+:\/\//i.test(entry)) return parseHostPort(entry, entry);
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      throw new RedisClientError(`REDIS_CLUSTER_NODES: ${JSON.stringify(redactSecrets(entry))} is not a URL`);
    }
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
      throw new RedisClientError(`REDIS_CLUSTER_NODES: ${url.protocol} is neither redis: nor rediss:`);
    schemes.add(url.protocol);
    if (url.username !== '' || url.password !== '') {
      username = url.username === '' ? undefined : decodeURIComponent(url.username);
      password = url.password === '' ? undefined : decodeURIComponent(url.password);
      credentials.add(`${url.username}:${url.password}`);
    }
    return parseHostPort(`${url.hostname}:${url.port || '6379'}`, redactSecrets(entry));
  });
  if (schemes.size > 1) throw new RedisClientError('REDIS_CLUSTER_NODES: mixes redis:// and rediss:// entries');
  if (credentials.size > 1) throw new RedisClientError('REDIS_CLUSTER_NODES: entries carry different credentials');
  return { nodes, tls: schemes.has('rediss:'), username, password };
}

function parseHostPort(text: string, shown: string): ClusterNodeAddress {
  const match = ENTRY.exec(text);
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65535)
    throw new RedisClientError(`REDIS_CLUSTER_NODES: ${JSON.stringify(shown)} is not host:port`);
  return { host: (match[1] ?? match[2]) as string, port };
}

/**
 * zod type of the `REDIS_CLUSTER_NODES` variable, for `cacheEnvShape` (unset: standalone
 * `REDIS_URL`). The error message never echoes the value (it may hold a password).
 */
export const clusterNodesEnv = z.string().transform((text, context): ClusterNodesSetting => {
  try {
    return parseClusterNodes(text);
  } catch (error) {
    context.addIssue({
      code: 'custom',
      message: error instanceof Error ? error.message.replace(/^REDIS_CLUSTER_NODES: /, '') : 'invalid',
    });
    return z.NEVER;
  }
});

/**
 * An ioredis `Cluster` set up to fail fast like `createRedisClient`: no offline queue (a
 * command while the cluster is not ready fails at once), a command timeout that bounds a
 * command with all its redirections and retries (ioredis arms it once per command; not so for
 * pipelines, hence no auto-pipelining by default), reads from masters only
 * (`scaleReads: 'master'`: replicas lag), and reconnection with capped backoff
 * (up to 2 s) in the background. With TLS the seeds' host names are kept for certificate
 * checks (`dnsLookup` as the ioredis README advises for TLS clusters); nodes the cluster
 * announces by IP need that IP in their certificate.
 *
 * The client keeps its passwords and `secrets` (`redactorOf` in redis-client.ts), so no log line
 * of a CacheService over it shows them, and the errors it emits (`error`, `node error`) are
 * redacted of them before any listener sees them.
 * @throws {RedisClientError} for a bad `nodes` value or an unreadable CA file
 */
export function createRedisCluster(options: RedisClusterConnectionOptions): Cluster {
  const parsed: ClusterNodesSetting =
    typeof options.nodes === 'string'
      ? parseClusterNodes(options.nodes)
      : { nodes: [...options.nodes], tls: false, username: undefined, password: undefined };
  if (parsed.nodes.length === 0) throw new RedisClientError('createRedisCluster: no seed node');
  const username = options.username ?? parsed.username;
  const password = options.password ?? parsed.password;
  const redactor = new SecretRedactor([options.password, parsed.password, ...(options.secrets ?? [])]);
  const tls = options.tls === true || parsed.tls;
  const cluster = new Cluster(parsed.nodes, {
    enableOfflineQueue: false,
    enableReadyCheck: true,
    scaleReads: 'master',
    enableAutoPipelining: options.autoPipelining ?? false,
    slotsRefreshInterval: options.slotsRefreshIntervalMs ?? DEFAULTS.slotsRefreshIntervalMs,
    slotsRefreshTimeout: 1000,
    clusterRetryStrategy: (attempt: number) => Math.min(attempt * 100, 2000),
    ...(tls && {
      dnsLookup: (address: string, callback: (error: null, address: string) => void) => callback(null, address),
    }),
    redisOptions: {
      ...(tls && { tls: options.tlsCaFile ? { ca: readCa(options.tlsCaFile) } : {} }),
      ...(username !== undefined && { username }),
      ...(password !== undefined && { password }),
      connectionName: options.connectionName ?? DEFAULTS.connectionName,
      connectTimeout: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
      commandTimeout: options.commandTimeoutMs ?? DEFAULTS.commandTimeoutMs,
      maxRetriesPerRequest: 0,
    },
  });
  redactEmittedErrors(cluster, redactor, ['error', 'node error']);
  return cluster;
}

/**
 * Waits until the cluster client is ready (slot map loaded, CLUSTER INFO `cluster_state:ok`).
 * @param timeoutMs milliseconds to wait. @default 2000
 * @returns false when it was not ready in time (the cache then serves from the database)
 */
export function waitUntilClusterReady(cluster: Cluster, timeoutMs: number = DEFAULTS.readyTimeoutMs): Promise<boolean> {
  return waitForReady(cluster, timeoutMs);
}
