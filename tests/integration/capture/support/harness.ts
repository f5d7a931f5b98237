import type { Redis } from 'ioredis';
import { ChangeCapture, type ChangeCaptureOptions, type ChangeSource } from 'cachedrepo/capture';
import type { CacheService } from 'cachedrepo';
import { connectCache, type MemoryLogger } from '../../../support/cache';
import { captureStrategies } from './items';

/** A cache service and a capture consumer on it, as one application process runs them. */
export interface CaptureProcess {
  cache: CacheService;
  capture: ChangeCapture;
  logger: MemoryLogger;
  /** Stops the consumer and closes the cache. */
  stop(): Promise<void>;
}

/**
 * Connects a cache with `keyPrefix` to `redisUrl` and starts a consumer of `source` on it (items and parts), polling
 * every 20 ms (lease 500 ms, lag measured every 200 ms).
 */
export async function startCaptureProcess(
  redisUrl: string,
  keyPrefix: string,
  source: ChangeSource,
  options: Partial<ChangeCaptureOptions> = {},
): Promise<CaptureProcess> {
  const { cache, logger } = await connectCache(redisUrl, { keyPrefix });
  const capture = new ChangeCapture(cache, source, {
    strategies: captureStrategies,
    pollIntervalMs: 20,
    leaseMs: 500,
    lagIntervalMs: 200,
    logger,
    ...options,
  });
  try {
    await capture.start();
  } catch (error) {
    await source.close();
    await cache.close();
    throw error;
  }
  return {
    cache,
    capture,
    logger,
    stop: async () => {
      await capture.stop();
      await cache.close();
    },
  };
}

/**
 * Polls `condition` every 5 ms until it holds. @returns the milliseconds it took @throws {Error} naming `what` after
 * `timeoutMs`
 */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await condition()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Writes an entry (`cached`) at each key under `prefix`, as reads that cached them would have. */
export async function seed(redis: Redis, prefix: string, keys: readonly string[]): Promise<void> {
  for (let start = 0; start < keys.length; start += 1000) {
    const pairs = keys.slice(start, start + 1000).flatMap((key) => [`${prefix}:${key}`, 'cached']);
    await redis.mset(...pairs);
  }
}

/** The keys of `keys` that still hold an entry under `prefix`. */
export async function present(redis: Redis, prefix: string, keys: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (let start = 0; start < keys.length; start += 1000) {
    const chunk = keys.slice(start, start + 1000);
    const values = await redis.mget(...chunk.map((key) => `${prefix}:${key}`));
    values.forEach((value, index) => value !== null && found.push(chunk[index] as string));
  }
  return found;
}

/** Prints a measurement when CAPTURE_REPORT is set (what REDIS_CACHE.md quotes), else nothing. */
export function report(what: string, value: unknown): void {
  if (process.env.CAPTURE_REPORT) process.stdout.write(`capture measurement: ${what}: ${JSON.stringify(value)}\n`);
}
