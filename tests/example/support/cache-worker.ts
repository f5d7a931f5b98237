/**
 * A child process holding its own cached hero repository (own Prisma connection to the SQLite
 * file, own ioredis client and CacheService), as a second application instance would. Run by
 * `startCacheWorker` (tests/support/worker-process.ts) with `node --require tsx/cjs`.
 *
 * Env: REDIS_URL, DATABASE_URL, and optionally
 * - REDIS_CLUSTER_NODES: seeds of a Redis Cluster, used instead of REDIS_URL (createRedisCluster);
 * - CACHE_COMMAND_TIMEOUT_MS: ioredis per-command timeout (default 2000);
 * - CACHE_BREAKER_PROBE_MS, CACHE_BREAKER_FAILURES: circuit breaker options (library defaults);
 * - CACHE_OUTBOX=on|off: give the CacheService a PrismaOutbox (default off), polled every
 *   CACHE_OUTBOX_POLL_MS (default 100);
 * - NEAR_CACHE=on|off: the hero strategy's near cache, as the library ships it (default on);
 *   `health` reports it (`nearCache`).
 * Protocol, one JSON object per line:
 * stdin `{"id": 1, "op": "findById" | "findByLanguage" | "findAll" | "update" | "stats" | "health" | "config", "args":
 * [...]}`
 * stdout `{"ready": true}` once, then `{"id": 1, "ok": true, "result": ...}` or `{"id": 1, "ok": false, "error":
 * "..."}`.
 * The worker exits when stdin closes (so it never outlives the test that spawned it).
 */
import { createInterface } from 'node:readline';
import type { PrismaClient } from '../../../generated/prisma/client';
import type { Cluster, Redis } from 'ioredis';
import {
  CachedRepository,
  CacheService,
  createRedisClient,
  waitUntilReady,
  type CacheLogger,
  type CacheServiceOptions,
} from 'cachedrepo';
import { createRedisCluster, waitUntilClusterReady } from 'cachedrepo/cluster';
import { PrismaOutbox } from 'cachedrepo/prisma';
import type { Hero, Language } from '../../../example/domain';
import { createPrismaClient, PrismaHeroRepository } from '../../../example/infrastructure/prisma';
import type { HeroRepository } from '../../../example/repositories';
import { heroCacheStrategy } from '../../../example/strategies';

/** A request to the worker. */
export type WorkerRequest =
  | { id: number; op: 'findById'; args: [id: string] }
  | { id: number; op: 'findByLanguage'; args: [language: Language] }
  | { id: number; op: 'findAll'; args: [] }
  | { id: number; op: 'update'; args: [id: string, changes: Partial<Pick<Hero, 'name' | 'language' | 'description'>>] }
  | { id: number; op: 'stats'; args: [] }
  | { id: number; op: 'health'; args: [] }
  | { id: number; op: 'config'; args: [] };

/** The worker's answer to one request. */
export type WorkerResponse = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** What the `config` op answers: how this worker's cache was set up. */
export interface WorkerConfig {
  /** True when the CacheService was given a PrismaOutbox. */
  outbox: boolean;
  commandTimeoutMs: number;
  probeIntervalMs: number | undefined;
}

// stdout carries the protocol: anything the cache logs goes to stderr.
const toStderr = (level: string) => (details: object, message: string) =>
  void process.stderr.write(`${JSON.stringify({ level, message, ...details })}\n`);
const logger: CacheLogger = {
  debug: () => undefined,
  info: toStderr('info'),
  warn: toStderr('warn'),
  error: toStderr('error'),
};

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`cache-worker: ${name} is not set`);
  return value;
}

/** A positive integer from the environment, or undefined when unset. */
function optionalInt(name: string): number | undefined {
  const value = process.env[name];
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0)
    throw new Error(`cache-worker: ${name} must be a positive integer, got ${value}`);
  return parsed;
}

/** A PrismaOutbox when CACHE_OUTBOX=on, else undefined. */
function outboxFor(prisma: PrismaClient): PrismaOutbox | undefined {
  const setting = process.env.CACHE_OUTBOX ?? 'off';
  if (setting !== 'on' && setting !== 'off')
    throw new Error(`cache-worker: CACHE_OUTBOX must be on or off, got ${setting}`);
  return setting === 'on' ? new PrismaOutbox(prisma) : undefined;
}

async function main(): Promise<void> {
  const prisma = createPrismaClient(required('DATABASE_URL'));
  const commandTimeoutMs = optionalInt('CACHE_COMMAND_TIMEOUT_MS') ?? 2000;
  const probeIntervalMs = optionalInt('CACHE_BREAKER_PROBE_MS');
  const failureThreshold = optionalInt('CACHE_BREAKER_FAILURES');
  const clusterNodes = process.env.REDIS_CLUSTER_NODES;
  const redis: Redis | Cluster = clusterNodes
    ? createRedisCluster({ nodes: clusterNodes, commandTimeoutMs })
    : createRedisClient({ url: required('REDIS_URL'), commandTimeoutMs });
  const ready = clusterNodes
    ? await waitUntilClusterReady(redis as Cluster, 10_000)
    : await waitUntilReady(redis as Redis, 5000);
  if (!ready) throw new Error('cache-worker: Redis not ready');
  const outbox = outboxFor(prisma);
  const pollIntervalMs = optionalInt('CACHE_OUTBOX_POLL_MS') ?? 100;
  const options: CacheServiceOptions = {
    logger,
    circuitBreaker: {
      ...(probeIntervalMs !== undefined && { probeIntervalMs }),
      ...(failureThreshold !== undefined && { failureThreshold }),
    },
    ...(outbox !== undefined && { outbox, outboxDelivery: { pollIntervalMs } }),
  };
  const nearCache = process.env.NEAR_CACHE ?? 'on';
  if (nearCache !== 'on' && nearCache !== 'off')
    throw new Error(`cache-worker: NEAR_CACHE must be on or off, got ${nearCache}`);
  const cache = new CacheService(redis, { ...options, nearCache: nearCache === 'on' });
  const heroes = CachedRepository.wrap<Hero, HeroRepository>(
    new PrismaHeroRepository(prisma),
    heroCacheStrategy(),
    cache,
  );
  const config: WorkerConfig = { outbox: outbox !== undefined, commandTimeoutMs, probeIntervalMs };

  const handle = (request: WorkerRequest): Promise<unknown> => {
    switch (request.op) {
      case 'findById':
        return heroes.findById(...request.args);
      case 'findByLanguage':
        return heroes.findByLanguage(...request.args);
      case 'findAll':
        return heroes.findAll();
      case 'update':
        return heroes.update(...request.args);
      case 'stats':
        return Promise.resolve(heroes.getCacheStats());
      case 'health':
        return Promise.resolve(cache.health());
      case 'config':
        return Promise.resolve(config);
    }
  };
  const send = (response: WorkerResponse): void => void process.stdout.write(`${JSON.stringify(response)}\n`);

  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    let request: WorkerRequest;
    try {
      request = JSON.parse(line) as WorkerRequest;
    } catch {
      process.stderr.write(`cache-worker: not JSON: ${line}\n`);
      return;
    }
    handle(request).then(
      (result) => send({ id: request.id, ok: true, result }),
      (error: unknown) =>
        send({ id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
    );
  });
  lines.on('close', () => {
    void Promise.allSettled([cache.close(), prisma.$disconnect()]).then(() => process.exit(0));
  });
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`cache-worker failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
