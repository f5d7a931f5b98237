import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';
import { RedisClientError } from '../errors';
import { REDACTED, redactSecrets } from '../observability/redact';
import type { SecretRedactor } from '../observability/secret-redactor';
import { connectionFact } from './connection-state';

// What creating a standalone client (redis-client.ts) and a cluster client (cluster/cluster-client.ts) share:
// the CA file, the redaction of emitted errors, the redactor each client keeps, waiting until ready.

/** The redactor a client made by this library keeps: its passwords and `secrets`. */
const REDACTOR = connectionFact<SecretRedactor>('cachedrepo.redactor');

/**
 * The secrets `client` was created with (by `createRedisClient`, `duplicateRedisClient` or
 * `createRedisCluster`), as a redactor; undefined for a client made otherwise. A CacheService redacts its log with it.
 */
export function redactorOf(client: object): SecretRedactor | undefined {
  return REDACTOR.get(client);
}

/** Makes `redactor` the one {@link redactorOf} returns for `client`. */
export function keepRedactor(client: object, redactor: SecretRedactor): void {
  REDACTOR.set(client, redactor);
}

/**
 * The PEM file of a private CA, for `rediss://`.
 * @throws {RedisClientError} when it cannot be read
 */
export function readCa(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new RedisClientError(
      `Cannot read the CA file ${file} (REDIS_TLS_CA_FILE): ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/**
 * ioredis attaches the failed command to its errors, so a WRONGPASS error emitted as `error`
 * carries `command: { name: 'auth', args: [user, password] }`, which a logger serializing the
 * error would print. Every error the client emits on `events` is redacted before its listeners
 * see it. (Wrapping `emit` rather than adding a listener keeps ioredis' own report of errors
 * nobody listens to.) The client keeps `redactor` ({@link redactorOf}).
 */
export function redactEmittedErrors(
  client: Redis | Cluster,
  redactor: SecretRedactor,
  events: readonly string[] = ['error'],
): void {
  keepRedactor(client, redactor);
  const emit = client.emit.bind(client);
  client.emit = (event: string | symbol, ...args: unknown[]): boolean => {
    if (typeof event === 'string' && events.includes(event)) redactError(args[0], redactor.secrets);
    return emit(event, ...args);
  };
}

function redactError(error: unknown, secrets: readonly string[]): void {
  if (!(error instanceof Error)) return;
  const message = redactSecrets(error.message, secrets);
  if (message !== error.message) {
    error.message = message;
    if (error.stack) error.stack = redactSecrets(error.stack, secrets);
  }
  const command = (error as { command?: unknown }).command;
  if (typeof command !== 'object' || command === null || !Array.isArray((command as { args?: unknown }).args)) return;
  const { name, args } = command as { name?: unknown; args: unknown[] };
  const isAuth = typeof name === 'string' && name.toLowerCase() === 'auth';
  // A new object: ioredis shares the args array with the command itself, which must stay intact.
  (error as { command?: unknown }).command = {
    ...command,
    args: args.map((arg, index) => {
      if (isAuth && index === args.length - 1) return REDACTED;
      return typeof arg === 'string' ? redactSecrets(arg, secrets) : arg;
    }),
  };
}

/**
 * Waits until `client` emits `ready` (a standalone connection, or a cluster with its slot map).
 * @param timeoutMs milliseconds to wait
 * @returns false when it was not ready in time
 */
export function waitForReady(client: Redis | Cluster, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ready: boolean): void => {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolve(ready);
    };
    const onReady = (): void => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    client.on('ready', onReady);
  });
}
