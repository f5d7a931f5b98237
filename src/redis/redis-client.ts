import { Redis } from 'ioredis';
import { RedisClientError } from '../errors';
import { SecretRedactor } from '../observability/secret-redactor';
import { readCa, redactEmittedErrors, redactorOf, waitForReady } from './connection-setup';
import { DEFAULTS } from '../defaults';

export { redactorOf, keepRedactor } from './connection-setup';

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
  /** Connection name shown by CLIENT LIST. @default 'cachedrepo' */
  connectionName?: string;
  /** PEM file of a private CA to trust for `rediss://` (else the system's CAs). */
  tlsCaFile?: string | undefined;
  /**
   * More strings (an admin token, say) that no error this client emits, and no log line of a CacheService over it,
   * may show; the passwords are always among them. @default []
   */
  secrets?: readonly string[] | undefined;
}

/**
 * An ioredis client set up to fail fast rather than hang, as a cache must:
 * no offline queue (a command sent while disconnected fails at once, so reads fall back to
 * the database), a per-command timeout, no per-request retries, and reconnection with capped
 * backoff (up to 2 s) in the background. `rediss://` URLs use TLS.
 *
 * No auto-pipelining: it defers every command to a later turn of the event loop and builds a
 * pipeline per command, which made a sequential GET on this client cost 1.37x a default
 * client's (issue 12). The CacheService batches its own reads instead (`read-batcher.ts`), so
 * concurrent reads still share one round trip.
 *
 * The password (option and URL) and `secrets` are kept by the client ({@link redactorOf}), so
 * no log line of a CacheService over it shows them; neither an error thrown here nor one the
 * client emits (whose failed AUTH command would otherwise carry it) contains them.
 * @throws {RedisClientError} when `tlsCaFile` cannot be read, or the URL cannot be parsed.
 */
export function createRedisClient(options: RedisConnectionOptions): Redis {
  const { url, username, password, secrets } = resolveCredentials(options);
  const redactor = new SecretRedactor([...secrets, ...(options.secrets ?? [])]);
  const tls = url.startsWith('rediss:') && options.tlsCaFile ? { tls: { ca: readCa(options.tlsCaFile) } } : {};
  let redis: Redis;
  try {
    redis = new Redis(url, {
      ...tls,
      ...(password !== undefined && { password }),
      ...(username !== undefined && { username }),
      connectionName: options.connectionName ?? DEFAULTS.connectionName,
      connectTimeout: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
      commandTimeout: options.commandTimeoutMs ?? DEFAULTS.commandTimeoutMs,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      enableAutoPipelining: false,
      retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
    });
  } catch (error) {
    // Node's URL errors keep the whole URL in `input`: throw a fresh error with a redacted message.
    const message = error instanceof Error ? error.message : String(error);
    throw new RedisClientError(`Cannot create the Redis client: ${redactor.redact(message)}`);
  }
  redactEmittedErrors(redis, redactor);
  return redis;
}

/**
 * A new connection with the options of `redis` (address, credentials, TLS, timeouts), named
 * `connectionName`, without a per-command timeout, whose emitted errors are redacted with
 * `redactor` (by default the one `redis` keeps) as {@link createRedisClient}'s are. Used for the
 * connection that receives client-tracking invalidations (it subscribes, so it must not share a
 * connection with commands).
 */
export function duplicateRedisClient(
  redis: Redis,
  connectionName: string,
  redactor: SecretRedactor = redactorOf(redis) ?? new SecretRedactor(),
): Redis {
  // No per-command timeout: its only command is a heartbeat PING, which its user times itself.
  const duplicate = redis.duplicate({
    connectionName,
    enableAutoPipelining: false,
    autoResubscribe: false,
    lazyConnect: false,
    commandTimeout: undefined,
  });
  redactEmittedErrors(duplicate, redactor);
  return duplicate;
}

/**
 * The URL without its credentials, and the user name and password to send: the options'
 * where given, else the URL's (percent-decoded, as ioredis reads them). ioredis itself lets a
 * URL's credentials win over the options, so they are taken out of the URL here.
 * `secrets`: the passwords, as given and as written in the URL.
 */
function resolveCredentials(options: RedisConnectionOptions): {
  url: string;
  username: string | undefined;
  password: string | undefined;
  secrets: string[];
} {
  const secrets = options.password ? [options.password] : [];
  let parsed: URL;
  try {
    parsed = new URL(options.url);
  } catch {
    // Unparseable: ioredis rejects it too, and that error is redacted.
    return { url: options.url, username: options.username, password: options.password, secrets };
  }
  if (parsed.username === '' && parsed.password === '')
    return { url: options.url, username: options.username, password: options.password, secrets };
  const decode = (text: string): string => {
    try {
      return decodeURIComponent(text);
    } catch {
      return text;
    }
  };
  const urlUsername = decode(parsed.username);
  const urlPassword = decode(parsed.password);
  if (parsed.password !== '') secrets.push(parsed.password, urlPassword);
  parsed.username = '';
  parsed.password = '';
  return {
    url: parsed.toString(),
    username: options.username ?? (urlUsername === '' ? undefined : urlUsername),
    password: options.password ?? (urlPassword === '' ? undefined : urlPassword),
    secrets,
  };
}

/**
 * Waits until `redis` is connected and ready.
 * @param timeoutMs milliseconds to wait. @default 2000
 * @returns false when it was not ready in time (the cache then serves from the database).
 */
export function waitUntilReady(redis: Redis, timeoutMs: number = DEFAULTS.readyTimeoutMs): Promise<boolean> {
  return waitForReady(redis, timeoutMs);
}
