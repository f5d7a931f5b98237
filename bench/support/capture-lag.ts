import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import type { CaptureBenchDatabases } from './capture-databases';
import type { DeletedKeys } from './deleted-keys';

/**
 * Capture lag, as the `capture` suite measures it: from a raw-SQL write committed on the writer's own connection (the
 * statement has returned) to the entity key it makes stale being deleted from Redis (a keyspace notification, see
 * {@link DeletedKeys}). Before each write its key holds an entry, as a read before the write would have left.
 */

/** What the lag phases need: the captured database, Redis, the deletions seen, and a hero's full key. */
export interface LagTarget {
  db: CaptureBenchDatabases;
  redis: Redis;
  deleted: DeletedKeys;
  /** The key of hero `id` as stored (prefix included). */
  keyOf(id: string): string;
}

/** Lags of a steady run, in ms, and how many writes it made. */
export interface SteadyLag {
  writes: number;
  /** Lag of each write from the statement's return (its commit acknowledged), in ms, ascending. */
  lagsMs: number[];
  /** Lag of each write from the statement being sent (its own execution included), in ms, ascending. */
  fromSentMs: number[];
  /** Writes whose key was still present at the end (a skipped change: should be none). */
  missing: number;
  /** Writes sent later than their slot by more than one interval (the writer could not keep the rate). */
  late: number;
  /**
   * Writes whose key was seen gone before this process saw the statement return (both arrive on sockets of this
   * process; the first read wins): counted with a lag of 0.
   */
  early: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One UPDATE per hero of `ids`, in turn, at `perSecond` writes a second (each sent at its slot, not after the previous
 * one's invalidation: the consumer may fall behind), then waits up to 30 s for every key to be gone.
 */
export async function steadyLag(target: LagTarget, ids: readonly string[], perSecond: number): Promise<SteadyLag> {
  const { db, redis, deleted, keyOf } = target;
  deleted.clear();
  const interval = 1000 / perSecond;
  const committed = new Map<string, { sent: number; returned: number }>();
  let late = 0;
  const start = performance.now();
  for (const [index, id] of ids.entries()) {
    const slot = start + index * interval;
    const wait = slot - performance.now();
    if (wait > 0) await sleep(wait);
    else if (-wait > interval) late += 1;
    const key = keyOf(id);
    await redis.set(key, 'cached');
    deleted.expect([key]);
    const sent = performance.now();
    await db.write(`UPDATE "Hero" SET "description" = ? WHERE "id" = ?`, [`steady ${index}`, id]);
    committed.set(key, { sent, returned: performance.now() });
  }
  const missing = await deleted.settled(30_000);
  const lagsMs: number[] = [];
  const fromSentMs: number[] = [];
  let early = 0;
  for (const [key, { sent, returned }] of committed) {
    const gone = deleted.deletedAt(key);
    if (gone === null) continue;
    if (gone < returned) early += 1;
    lagsMs.push(Math.max(0, gone - returned));
    fromSentMs.push(gone - sent);
  }
  lagsMs.sort((a, b) => a - b);
  fromSentMs.sort((a, b) => a - b);
  return { writes: ids.length, lagsMs, fromSentMs, missing: missing.length, late, early };
}

/**
 * One UPDATE of every hero of `ids` (a statement naming them by their id prefix), after an entry was written at each
 * one's key.
 * @returns ms from the statement's return to the last of those keys gone, and how many were still present after 60 s
 */
export async function bulkLag(
  target: LagTarget,
  idPrefix: string,
  ids: readonly string[],
  run: number,
): Promise<{ ms: number; missing: number }> {
  const { db, redis, deleted, keyOf } = target;
  deleted.clear();
  const keys = ids.map(keyOf);
  for (let start = 0; start < keys.length; start += 1000)
    await redis.mset(...keys.slice(start, start + 1000).flatMap((key) => [key, 'cached']));
  deleted.expect(keys);
  await db.write(`UPDATE "Hero" SET "description" = ? WHERE "id" LIKE ?`, [`bulk run ${run}`, `${idPrefix}%`]);
  const committed = performance.now();
  const missing = await deleted.settled(60_000);
  const last = Math.max(...keys.map((key) => deleted.deletedAt(key) ?? 0));
  return { ms: last - committed, missing: missing.length };
}
