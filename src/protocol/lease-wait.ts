import type { EntityCacheStats } from '../observability/cache-stats';
import type { SharedRead } from '../redis/read-batcher';
import { isLease } from './lease';

/**
 * What a waiting reader found: another reader's entry, or nothing to take (load from the database); `empty` when the
 * key held nothing at the last read (the other load gave up or a write removed its lease: a new lease may be placed).
 */
export type WaitOutcome = { found: true; raw: string; sentAt: number } | { found: false; empty: boolean };

/** Reads of one key, as the cache service batches them. */
export interface KeyReader {
  readShared(key: string, stats?: EntityCacheStats): Promise<SharedRead>;
}

const GAVE_UP: WaitOutcome = Object.freeze({ found: false, empty: false });
const EMPTIED: WaitOutcome = Object.freeze({ found: false, empty: true });

/**
 * Waits for another reader's load instead of loading too: the lease protocol's "wait and retry"
 * (Nishtala et al., "Scaling Memcache at Facebook", NSDI 2013, section 3.2.1: a client that
 * is denied a lease waits briefly and retries, because the holder is about to fill the key).
 * A reader that found another reader's lease in a key reads the key again after 2, 4, 8, ... ms
 * until `budgetMs` milliseconds have passed; it stops as soon as the key holds an entry (taken),
 * is empty (the other load gave up or a write removed its lease) or Redis does not answer.
 *
 * Taking that entry is as safe as any hit: it was stored under a lease that no write removed
 * between the lease's placement and the store, and every GET here runs in Redis after the
 * reader began, so the entry is never older than a write that completed before the read began.
 * @returns the entry's raw value and when (`performance.now()`) the read that found it was asked for: its GET was sent
 *   no earlier; or `found: false` when the reader should load from the database (`empty`: the key
 *   was empty at the last read, so the reader may place its own lease first)
 */
export async function waitForOtherLoad(
  cache: KeyReader,
  key: string,
  budgetMs: number,
  stats: EntityCacheStats,
): Promise<WaitOutcome> {
  const deadline = performance.now() + budgetMs;
  for (let pauseMs = 2; ; pauseMs *= 2) {
    const left = deadline - performance.now();
    if (left <= 0) return GAVE_UP;
    await new Promise((resolve) => setTimeout(resolve, Math.min(pauseMs, left)));
    const sentAt = performance.now();
    const reply = (await cache.readShared(key, stats)).reply;
    if (typeof reply !== 'string') return reply === null ? EMPTIED : GAVE_UP;
    if (!isLease(reply)) return { found: true, raw: reply, sentAt };
  }
}
