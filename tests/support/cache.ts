import type { Redis } from 'ioredis';
import { CacheService, type CacheServiceOptions } from '../../src/cache/cache-service';
import type { CacheLogger } from '../../src/cache/cache-logger';
import { createRedisClient, waitUntilReady } from '../../src/cache/redis-client';

/** A logger that keeps lines in memory, so tests stay quiet and can assert on what was logged. */
export class MemoryLogger implements CacheLogger {
  readonly lines: { level: string; details: object; message: string }[] = [];
  debug = (details: object, message: string): void => void this.lines.push({ level: 'debug', details, message });
  info = (details: object, message: string): void => void this.lines.push({ level: 'info', details, message });
  warn = (details: object, message: string): void => void this.lines.push({ level: 'warn', details, message });
  error = (details: object, message: string): void => void this.lines.push({ level: 'error', details, message });
}

/** A connected ioredis client and a CacheService on it, as the library builds them. */
export async function connectCache(url: string, options: CacheServiceOptions = {}): Promise<{ redis: Redis; cache: CacheService; logger: MemoryLogger }> {
  const redis = createRedisClient({ url, commandTimeoutMs: 1000 });
  redis.on('error', () => undefined);
  await waitUntilReady(redis, 3000);
  const logger = new MemoryLogger();
  return { redis, cache: new CacheService(redis, { logger, ...options }), logger };
}
