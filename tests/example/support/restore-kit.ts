import { Redis } from 'ioredis';
import { CacheService } from 'cachedrepo';
import { CachedRepository, type BeforeImageRepository, type Cached } from 'cachedrepo';
import { createRedisClient } from 'cachedrepo';
import type { Hero } from '../../../example/domain';
import type { HeroRepository } from '../../../example/repositories';
import { heroCacheStrategy } from '../../../example/strategies';
import { MemoryLogger } from '../../support/cache';
import { until } from '../../support/wait';

/**
 * Shared pieces of the tests in tests/integration/restore: cache instances built as an
 * application builds them, polling waits, a raw client for the test's own Redis commands,
 * and ways to fill Redis' memory. Every wait polls a condition with a generous bound.
 */

/** One application instance: its own connection, CacheService and cached hero repository. */
export interface CacheInstance {
  readonly redis: Redis;
  readonly cache: CacheService;
  readonly logger: MemoryLogger;
  readonly heroes: Cached<HeroRepository>;
  close(): Promise<void>;
}

/** Resolves after pending I/O callbacks and timers had a turn (SQLite answers without one). */
export const nextMacrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A cache instance with short command timeouts (200 ms unless `commandTimeoutMs` says
 * otherwise) and a fast breaker probe (100 ms), so faults are noticed quickly; resolves once
 * its connection is ready.
 */
export async function openCacheInstance(
  url: string,
  base: HeroRepository & BeforeImageRepository<Hero>,
  options: { commandTimeoutMs?: number } = {},
): Promise<CacheInstance> {
  const redis = createRedisClient({ url, commandTimeoutMs: options.commandTimeoutMs ?? 200, connectTimeoutMs: 300 });
  const logger = new MemoryLogger();
  const cache = new CacheService(redis, { logger, circuitBreaker: { failureThreshold: 3, probeIntervalMs: 100 } });
  await until(() => redis.status === 'ready', 5000, 'the cache connection to be ready');
  return {
    redis,
    cache,
    logger,
    heroes: CachedRepository.wrap(base, heroCacheStrategy(), cache),
    close: () => cache.close(),
  };
}

/**
 * The test's own client: it queues commands while disconnected and retries them, so a test
 * step such as SAVE or CONFIG SET simply waits for the server instead of failing.
 */
export async function openRawClient(url: string): Promise<Redis> {
  const raw = new Redis(url, { maxRetriesPerRequest: 20, retryStrategy: () => 50, connectionName: 'restore-test-raw' });
  raw.on('error', () => undefined);
  await until(() => raw.status === 'ready', 5000, 'the raw connection to be ready');
  return raw;
}

/**
 * Caps Redis' memory a little above what it uses now (the baseline differs between Redis
 * versions, so a fixed `--maxmemory 2mb` could leave no room at all, or a lot).
 */
export async function capMemory(
  raw: Redis,
  policy: 'allkeys-lru' | 'volatile-lru' | 'noeviction',
  headroomBytes = 1024 * 1024,
): Promise<void> {
  await raw.config('SET', 'maxmemory-policy', policy);
  await raw.config('SET', 'maxmemory', String((await usedMemory(raw)) + headroomBytes));
}

let junkSequence = 0;
const JUNK_VALUE = 'x'.repeat(1024);
/**
 * Never write more junk than this: a condition that does not come true fails the test instead of filling the machine.
 */
const MAX_JUNK_KEYS = 200_000;

/**
 * Writes `count` junk keys of 1 KiB outside the cache prefix, with a TTL (so volatile policies may evict them too).
 * @returns the error of the first SET that failed, or null.
 */
async function writeJunk(raw: Redis, count: number): Promise<Error | null> {
  const pipeline = raw.pipeline();
  for (let i = 0; i < count; i += 1) {
    junkSequence += 1;
    pipeline.set(`junk:${junkSequence}`, JUNK_VALUE, 'EX', 3600);
  }
  const replies = (await pipeline.exec()) ?? [];
  return replies.find(([error]) => error !== null)?.[0] ?? null;
}

/** Bytes Redis reports in use (INFO memory). */
async function usedMemory(raw: Redis): Promise<number> {
  const used = Number(/used_memory:(\d+)/.exec(await raw.info('memory'))?.[1]);
  if (!Number.isFinite(used)) throw new Error('INFO memory gave no used_memory');
  return used;
}

/**
 * Fills memory under `noeviction` until a SET is refused with OOM, then lowers `maxmemory`
 * 128 KiB below what is used: a pipeline's query buffer counts until it is consumed, so
 * right after the refusal usage drops back under the limit; below it, memory stays full
 * whatever the clients' buffers do. @throws {Error} on any other error, or when no OOM comes.
 */
export async function fillUntilOom(raw: Redis): Promise<void> {
  for (let written = 0; written < MAX_JUNK_KEYS; written += 100) {
    const error = await writeJunk(raw, 100);
    if (error && !/OOM/.test(error.message)) throw error;
    if (error) {
      await raw.config('SET', 'maxmemory', String((await usedMemory(raw)) - 128 * 1024));
      return;
    }
  }
  throw new Error(`no OOM after ${MAX_JUNK_KEYS} junk keys: is maxmemory set?`);
}

/** Keys matching `pattern`; with `volatileOnly`, only those with a TTL (the ones volatile-* policies may evict). */
export async function keysLeft(raw: Redis, pattern: string, volatileOnly: boolean): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, page] = await raw.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    keys.push(...page);
    cursor = next;
  } while (cursor !== '0');
  if (!volatileOnly) return keys;
  const ttls = await Promise.all(keys.map((key) => raw.pttl(key)));
  return keys.filter((_, index) => (ttls[index] ?? -1) >= 0);
}

/**
 * Writes junk, as other traffic would, until Redis has evicted every key that matched
 * `pattern` when it began (with `volatileOnly`, every such key with a TTL). A key counts as
 * evicted once it was seen absent, even if the cache writes it again later (its own
 * bookkeeping, say). @returns the keys evicted. @throws {Error} when some survive
 * {@link MAX_JUNK_KEYS} junk keys.
 */
export async function evictAll(raw: Redis, pattern: string, volatileOnly: boolean): Promise<string[]> {
  const keys = await keysLeft(raw, pattern, volatileOnly);
  let remaining = keys;
  for (let written = 0; written < MAX_JUNK_KEYS; written += 50) {
    const present = await Promise.all(remaining.map((key) => raw.exists(key)));
    remaining = remaining.filter((_, index) => present[index] === 1);
    if (remaining.length === 0) return keys;
    const error = await writeJunk(raw, 50);
    if (error) throw error;
  }
  throw new Error(`keys ${remaining.join(', ')} still present after ${MAX_JUNK_KEYS} junk keys`);
}

/**
 * Lets every command already sent on `redis` be answered and its caller run on: a PING on the
 * same connection is answered after them (Redis answers a connection in order), and a
 * macrotask lets their continuations finish. Several rounds cover callers that send a second
 * command after the first answer. No timer: it waits for exactly the replies it needs.
 */
export async function drainConnection(redis: Redis, rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i += 1) {
    await nextMacrotask();
    // A PING that times out on a loaded machine only makes the wait shorter.
    await redis.ping().catch(() => undefined);
    await nextMacrotask();
  }
}

/**
 * Waits until `instance` has no undelivered invalidation and its breaker is closed: every write it made reached Redis.
 */
export function untilDelivered(instance: CacheInstance): Promise<void> {
  const delivered = (): boolean =>
    instance.cache.health().pendingInvalidations === 0 && instance.cache.health().breaker === 'closed';
  return until(delivered, 10_000, 'the invalidations of the write to reach Redis');
}

/**
 * Records reads against the version the last completed write left, for one failure message listing every stale read.
 */
export class StaleReads {
  readonly stale: string[] = [];
  reads = 0;

  /** `expected` is the description of the last write completed before the read started. */
  check(label: string, expected: string, found: Hero | null | undefined): void {
    this.reads += 1;
    const seen = found === null ? 'null' : found === undefined ? 'missing' : found.description;
    if (seen !== expected) this.stale.push(`${label}: got ${String(seen)}, expected ${expected}`);
  }

  /** A list read: the hero with `id` in it must be at `expected`. */
  checkList(label: string, expected: string, list: readonly Hero[], id: string): void {
    this.check(
      label,
      expected,
      list.find((hero) => hero.id === id),
    );
  }
}
