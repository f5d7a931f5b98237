import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { PrismaClient } from '../../generated/prisma/client';
import { CacheService } from 'cachedrepo';
import { createRedisClient, waitUntilReady } from 'cachedrepo';
import { createPrismaClient, migrateDatabase } from '../../example';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';

/** What one benchmark runs against: its own redis-server and a fresh migrated SQLite file. */
export interface BenchEnvironment {
  server: RedisServerHandle;
  redis: Redis;
  cache: CacheService;
  prisma: PrismaClient;
  /** The SQLite database's URL (`file:...`), for other processes of a suite. */
  databaseUrl: string;
  /** Closes the connections, stops the server and removes the database. */
  dispose(): Promise<void>;
}

/**
 * Starts a redis-server (DEBUG enabled, for DEBUG POPULATE) on a free port and migrates a new
 * SQLite database in a temporary directory.
 * @param options.fastDatabase WAL journal and no fsync per commit (the connection's setting),
 *   so that write latency measures the code rather than the disk. @default false
 */
export async function startBenchEnvironment(options: { fastDatabase?: boolean } = {}): Promise<BenchEnvironment> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  const url = `file:${join(dir, 'bench.db')}`;
  const [server] = await Promise.all([startRedisServer(['--enable-debug-command', 'yes']), migrateDatabase(url)]);
  const redis = createRedisClient({ url: server.url, commandTimeoutMs: 5000 });
  if (!(await waitUntilReady(redis, 5000))) throw new Error(`bench: Redis at ${server.url} is not ready`);
  const cache = new CacheService(redis, { logger: benchLogger });
  if (!(await cache.waitUntilReady(5000))) throw new Error('bench: the cache did not validate Redis in time');
  const prisma = createPrismaClient(url);
  if (options.fastDatabase) {
    // A throwaway database: durability does not matter, commit latency does.
    await prisma.$queryRawUnsafe('PRAGMA journal_mode = WAL');
    await prisma.$queryRawUnsafe('PRAGMA synchronous = OFF');
  }
  return {
    server,
    redis,
    cache,
    prisma,
    databaseUrl: url,
    dispose: async () => {
      await cache.close();
      await prisma.$disconnect();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function noop(): void {}

/** Quiet below warn. */
export const benchLogger = { debug: noop, info: noop, warn: console.warn, error: console.error };
