import { CacheOptionsError } from '../errors';
import { DEFAULTS } from '../defaults';
import type { NearCacheGroup } from '../near-cache/near-cache-group';
import { WRONG_TYPE, type RedisGateway } from '../redis/redis-gateway';
import type { CacheHealth, CacheRead, CacheServiceOptions } from './cache-service-types';
import { isLease } from './lease';
import type { DurableWrites } from './durable-writes';
import { OutboxDeliverer } from './outbox';
import type { CacheLogger } from '../observability/cache-logger';
import type { SecretRedactor } from '../observability/secret-redactor';
import { redactorOf } from '../redis/redis-client';
import type { Cluster, Redis } from 'ioredis';
import type { PendingInvalidations } from './pending-invalidations';
import type { Recovery } from './recovery';
import type { Watches } from './watches';

/** Pieces of `CacheService` kept apart to keep it short: its checked settings, its health, what a read found. */

/**
 * The clients a `CacheService` was given, as a list (none: no cache), each one's secrets added to `redactor`, so that
 * no line the service logs shows them.
 */
export function serviceClients(redis: Redis | Cluster | readonly Redis[] | null, redactor: SecretRedactor): Redis[] {
  const clients = redis === null ? [] : Array.isArray(redis) ? [...(redis as readonly Redis[])] : [redis as Redis];
  for (const client of clients) {
    const clientRedactor = redactorOf(client);
    if (clientRedactor) redactor.include(clientRedactor);
  }
  return clients;
}

/** The outbox deliverer of a service given an outbox (its lease key under `prefix`), else null. */
export function outboxDelivererFor(
  options: CacheServiceOptions,
  gateway: RedisGateway,
  prefix: string,
  logger: CacheLogger,
): OutboxDeliverer | null {
  if (!options.outbox) return null;
  const fullKey = (key: string): string => prefix + key;
  return new OutboxDeliverer(
    options.outbox,
    gateway,
    fullKey,
    `${prefix}!outbox-deliverer`,
    logger,
    options.outboxDelivery,
  );
}

/** The settings of a `CacheService` its options give, checked. */
export interface ServiceSettings {
  readonly keyPrefix: string;
  readonly scanBatchSize: number;
  readonly leaseWaitMs: number;
  readonly writeReceiptTtlMs: number;
}

/**
 * @throws {CacheOptionsError} for an empty `keyPrefix`, or a `leaseWaitMs` or `writeReceiptTtlMs` outside 0..60000
 */
export function serviceSettings(options: CacheServiceOptions): ServiceSettings {
  const keyPrefix = options.keyPrefix ?? DEFAULTS.keyPrefix;
  if (keyPrefix === '')
    throw new CacheOptionsError('keyPrefix must not be empty: validating a restored dataset clears every key under it');
  const leaseWaitMs = options.leaseWaitMs ?? DEFAULTS.leaseWaitMs;
  if (!(leaseWaitMs >= 0 && leaseWaitMs <= 60_000))
    throw new CacheOptionsError(`leaseWaitMs must be milliseconds from 0 to 60000, got ${leaseWaitMs}`);
  const writeReceiptTtlMs = options.writeReceiptTtlMs ?? DEFAULTS.writeReceiptTtlMs;
  if (!(writeReceiptTtlMs >= 0 && writeReceiptTtlMs <= 60_000))
    throw new CacheOptionsError(`writeReceiptTtlMs must be milliseconds from 0 to 60000, got ${writeReceiptTtlMs}`);
  return { keyPrefix, scanBatchSize: options.scanBatchSize ?? DEFAULTS.scanBatchSize, leaseWaitMs, writeReceiptTtlMs };
}

/** What `CacheService.health` reads its report from. */
export interface HealthSources {
  readonly enabled: boolean;
  readonly gateway: RedisGateway;
  readonly pending: PendingInvalidations;
  readonly recovery: Recovery;
  readonly deliverer: OutboxDeliverer | null;
  readonly durableWrites: DurableWrites;
  readonly near: NearCacheGroup;
  readonly watches: Watches;
}

/** The health report of a `CacheService` (see `CacheHealth`). */
export function serviceHealth(sources: HealthSources): CacheHealth {
  const { gateway, pending, deliverer } = sources;
  return {
    enabled: sources.enabled,
    breaker: gateway.breaker.state,
    breakerOpenings: gateway.breaker.openings,
    pendingInvalidations: pending.size,
    pendingOverflowed: pending.overflowed,
    errors: gateway.errorCount,
    bypassed: gateway.bypassCount,
    datasetClears: sources.recovery.datasetClears,
    outbox: {
      configured: deliverer !== null,
      deliverer: deliverer?.leader ?? false,
      delivered: deliverer?.delivered ?? 0,
      capturedEntityTypes: sources.durableWrites.capturedEntityTypes,
    },
    nearCache: sources.near.health(),
    audit: sources.watches.auditHealth(),
  };
}

/** What a read's reply says of its key: a lease reads as empty. */
export function classifyRead(raw: string | null | symbol): CacheRead {
  if (raw === null) return { kind: 'empty' };
  if (raw === WRONG_TYPE) return { kind: 'wrong-type' };
  if (typeof raw === 'symbol') return { kind: 'unavailable' };
  return isLease(raw) ? { kind: 'empty' } : { kind: 'value', raw };
}
