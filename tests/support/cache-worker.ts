/**
 * A child process holding its own cached hero repository (own Prisma connection to the SQLite
 * file, own ioredis client and CacheService), as a second application instance would. Run by
 * `startCacheWorker` (tests/support/worker-process.ts) with `node --require tsx/cjs`.
 *
 * Env: REDIS_URL, DATABASE_URL. Protocol, one JSON object per line:
 * stdin  `{"id": 1, "op": "findById" | "findByLanguage" | "findAll" | "update" | "stats", "args": [...]}`
 * stdout `{"ready": true}` once, then `{"id": 1, "ok": true, "result": ...}` or `{"id": 1, "ok": false, "error": "..."}`.
 * The worker exits when stdin closes (so it never outlives the test that spawned it).
 */
import { createInterface } from 'node:readline';
import { CacheService } from '../../src/cache/cache-service';
import type { CacheLogger } from '../../src/cache/cache-logger';
import { CachedRepository } from '../../src/cache/cached-repository';
import { createRedisClient, waitUntilReady } from '../../src/cache/redis-client';
import type { Hero, Language } from '../../src/domain';
import { createPrismaClient, PrismaHeroRepository } from '../../src/infrastructure/prisma';
import type { HeroRepository } from '../../src/repositories';
import { HeroCacheStrategy } from '../../src/strategies';

/** A request to the worker. */
export type WorkerRequest =
  | { id: number; op: 'findById'; args: [id: string] }
  | { id: number; op: 'findByLanguage'; args: [language: Language] }
  | { id: number; op: 'findAll'; args: [] }
  | { id: number; op: 'update'; args: [id: string, changes: Partial<Pick<Hero, 'name' | 'language' | 'description'>>] }
  | { id: number; op: 'stats'; args: [] };

/** The worker's answer to one request. */
export type WorkerResponse = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

// stdout carries the protocol: anything the cache logs goes to stderr.
const toStderr = (level: string) => (details: object, message: string) => void process.stderr.write(`${JSON.stringify({ level, message, ...details })}\n`);
const logger: CacheLogger = { debug: () => undefined, info: toStderr('info'), warn: toStderr('warn'), error: toStderr('error') };

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`cache-worker: ${name} is not set`);
  return value;
}

async function main(): Promise<void> {
  const prisma = createPrismaClient(required('DATABASE_URL'));
  const redis = createRedisClient({ url: required('REDIS_URL'), commandTimeoutMs: 2000 });
  if (!(await waitUntilReady(redis, 5000))) throw new Error('cache-worker: Redis not ready');
  const cache = new CacheService(redis, { logger });
  const heroes = CachedRepository.wrap<Hero, HeroRepository>(new PrismaHeroRepository(prisma), new HeroCacheStrategy(), cache);

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
      (error: unknown) => send({ id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
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
