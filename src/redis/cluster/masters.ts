import type { Cluster, Redis } from 'ioredis';
import { scanAndUnlink } from '../dataset-validation';
import { CLUSTER_SLOTS } from './key-slot';
import { groupBySlot, isCluster, type RedisClient } from './slot-groups';

/**
 * The masters of a cluster, for what must reach every one of them: SCAN (each node scans only
 * its own keyspace), INFO (each node has its own run_id), restore detection, clearing a prefix.
 * Replicas are never used: they replicate asynchronously and may lag (cluster specification,
 * "Write safety"), so a read from one could be older than a completed write.
 */

/** One master as the client's slot map sees it. */
export interface ClusterMaster {
  /** `host:port`, as ioredis keys its node connections. */
  key: string;
  /** ioredis's connection to this node (commands on it are not redirected). */
  redis: Redis;
  /** Slots this master owns, ascending. */
  slots: number[];
}

/**
 * Asks the cluster for its slot map now (CLUSTER SLOTS on some node) instead of waiting for ioredis's periodic refresh.
 */
export function refreshSlotMap(cluster: Cluster): Promise<void> {
  return new Promise((resolve, reject) => cluster.refreshSlotsCache((error) => (error ? reject(error) : resolve())));
}

/**
 * The masters of the client's current slot map.
 * @throws {Error} when a slot has no master (a failover under way, a cluster not yet
 *   created) or a master has no connection: a SCAN of every master would miss keys
 */
export function clusterMasters(cluster: Cluster): ClusterMaster[] {
  const connections = new Map(cluster.nodes('all').map((node) => [`${node.options.host}:${node.options.port}`, node]));
  const masters = new Map<string, ClusterMaster>();
  for (let slot = 0; slot < CLUSTER_SLOTS; slot += 1) {
    const key = cluster.slots[slot]?.[0];
    if (key === undefined) throw new Error(`slot ${slot} has no master in the slot map`);
    let master = masters.get(key);
    if (!master) {
      const redis = connections.get(key);
      if (!redis) throw new Error(`no connection to master ${key}`);
      master = { key, redis, slots: [] };
      masters.set(key, master);
    }
    master.slots.push(slot);
  }
  return [...masters.values()];
}

/**
 * Runs `task` on every master at once, after refreshing the slot map (so a failover that
 * just happened is seen).
 * @returns the results, in the order of {@link clusterMasters}
 * @throws the first error of any task, or of the refresh (the caller retries the whole operation)
 */
export async function forEachMaster<T>(cluster: Cluster, task: (master: ClusterMaster) => Promise<T>): Promise<T[]> {
  await refreshSlotMap(cluster);
  return Promise.all(clusterMasters(cluster).map(task));
}

/**
 * Deletes every key of one node matching a glob `match`: SCAN pages of `batchSize` keys on
 * that node, each page UNLINKed per slot (a pipeline on the node's own connection). Never KEYS.
 * @returns keys deleted
 */
export async function scanAndUnlinkOnNode(redis: Redis, match: string, batchSize: number): Promise<number> {
  let cursor = '0';
  let count = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', batchSize);
    if (keys.length > 0) {
      const pipeline = redis.pipeline();
      for (const group of groupBySlot(keys)) pipeline.unlink(...group.keys);
      for (const [error, removed] of (await pipeline.exec()) ?? []) {
        if (error) throw error;
        count += Number(removed);
      }
    }
    cursor = next;
  } while (cursor !== '0');
  return count;
}

/**
 * Deletes every key matching `match`, on a standalone server or on every master of a cluster
 * (SCAN + UNLINK in batches of `batchSize`). Its cost grows with the keyspace: never on a write path.
 * @returns keys deleted
 * @throws the first Redis error (what was deleted stays deleted; run it again)
 */
export async function scanAndUnlinkEverywhere(client: RedisClient, match: string, batchSize: number): Promise<number> {
  if (!isCluster(client)) return scanAndUnlink(client, match, batchSize);
  const counts = await forEachMaster(client, (master) => scanAndUnlinkOnNode(master.redis, match, batchSize));
  return counts.reduce((sum, count) => sum + count, 0);
}
