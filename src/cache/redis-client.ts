import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';

/** How to reach Redis. Timeouts are milliseconds. */
export interface RedisConnectionOptions {
  /** `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS. */
  url: string;
  /** Overrides a password in the URL. */
  password?: string | undefined;
  /** ACL user name; overrides one in the URL. */
  username?: string | undefined;
  /** Milliseconds to establish the connection. @default 2000 */
  connectTimeoutMs?: number;
  /** Milliseconds one command may take before it fails (and the read becomes a miss). @default 500 */
  commandTimeoutMs?: number;
  /** Connection name shown by CLIENT LIST. @default 'prisma-redis-cache' */
  connectionName?: string;
  /** PEM file of a private CA to trust for `rediss://` (else the system's CAs). */
  tlsCaFile?: string | undefined;
}

/**
 * An ioredis client set up to fail fast rather than hang, as a cache must:
 * no offline queue (a command sent while disconnected fails at once, so reads fall back to
 * the database), a per-command timeout, no per-request retries, auto-pipelining, and
 * reconnection with capped backoff (up to 2 s) in the background. `rediss://` URLs use TLS.
 * @throws {Error} when `tlsCaFile` cannot be read.
 */
export function createRedisClient(options: RedisConnectionOptions): Redis {
  const tls = options.url.startsWith('rediss:') && options.tlsCaFile ? { tls: { ca: readFileSync(options.tlsCaFile) } } : {};
  return new Redis(options.url, {
    ...tls,
    ...(options.password !== undefined && { password: options.password }),
    ...(options.username !== undefined && { username: options.username }),
    connectionName: options.connectionName ?? 'prisma-redis-cache',
    connectTimeout: options.connectTimeoutMs ?? 2000,
    commandTimeout: options.commandTimeoutMs ?? 500,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    enableAutoPipelining: true,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
  });
}

/**
 * Waits until `redis` is connected and ready.
 * @param timeoutMs milliseconds to wait. @default 2000
 * @returns false when it was not ready in time (the cache then serves from the database).
 */
export async function waitUntilReady(redis: Redis, timeoutMs = 2000): Promise<boolean> {
  if (redis.status === 'ready') return true;
  return new Promise((resolve) => {
    const done = (ready: boolean): void => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ready);
    };
    const onReady = (): void => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    redis.on('ready', onReady);
  });
}
