import type { Redis } from 'ioredis';
import { escapeGlob } from '../repository/key-schema';

/**
 * Restore detection. A Redis that restarted from an RDB snapshot or an AOF file, or a replica
 * promoted by a failover, can hold entries from before invalidations we delivered to its
 * predecessor. Each redis-server process has a random `run_id` (INFO server) that changes on
 * every start and differs between a master and its replicas, so it identifies the dataset's
 * current lineage.
 *
 * `{prefix}:!dataset` records the `run_id` of the server on which the prefix was last
 * validated. Finding another value (or none: a first start, FLUSHALL, eviction) means the
 * entries may predate invalidations, so every key under the prefix is removed (SCAN + UNLINK
 * in batches) before the marker is set to the current `run_id` and the cache is trusted.
 * `!` cannot appear in a key-schema namespace, so the marker never collides with an entry.
 */

/** What {@link validateDataset} did. */
export interface DatasetValidation {
  runId: string;
  /** True when the prefix was cleared because the dataset could predate our invalidations. */
  cleared: boolean;
  /** Keys removed by the clearing. */
  removed: number;
}

/** One clearing done by restore detection, reported as it happens. */
export interface ClearedDataset {
  /** `host:port` of the cluster master cleared; absent on a single server. */
  node?: string;
  runId: string;
  /** Keys removed. */
  removed: number;
}

/** The key holding the validated `run_id`, under `prefix` (which ends with `:`). */
export function datasetMarkerKey(prefix: string): string {
  return `${prefix}!dataset`;
}

/**
 * Validates the dataset of the server `redis` talks to, clearing `prefix` when needed.
 * @param prefix the key prefix with its trailing `:`; never empty (it would clear the keyspace)
 * @param batchSize keys per SCAN page and per UNLINK
 * @throws the Redis error when a command fails (the caller's probe then fails and retries)
 */
export async function validateDataset(redis: Redis, prefix: string, batchSize: number): Promise<DatasetValidation> {
  const runId = /run_id:([0-9a-f]+)/.exec(await redis.info('server'))?.[1];
  if (!runId) throw new Error('INFO server did not report a run_id');
  const marker = datasetMarkerKey(prefix);
  if ((await redis.get(marker)) === runId) return { runId, cleared: false, removed: 0 };
  const removed = await scanAndUnlink(redis, `${escapeGlob(prefix)}*`, batchSize);
  await redis.set(marker, runId);
  return { runId, cleared: true, removed };
}

/**
 * Deletes every key matching a glob `match`: SCAN pages of `batchSize` keys, each UNLINKed as
 * one batch. Never KEYS, which blocks Redis. Cost grows with the keyspace.
 * @returns keys deleted
 */
export async function scanAndUnlink(redis: Redis, match: string, batchSize: number): Promise<number> {
  let cursor = '0';
  let count = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', batchSize);
    if (keys.length > 0) count += await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
  return count;
}
