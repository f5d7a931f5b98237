import type { Cluster } from 'ioredis';
import { escapeGlob } from '../../repository/key-schema';
import { hashTagFor } from './key-slot';
import { forEachMaster, scanAndUnlinkOnNode, type ClusterMaster } from './masters';

/**
 * Restore detection on a cluster, one master at a time (the single-server version is
 * dataset-validation.ts). Every master is its own redis-server with its own `run_id`, and a
 * failover replaces one master by a replica with another `run_id` whose copy may lack the
 * last writes acknowledged by the old master: replication is asynchronous (cluster
 * specification, "Write safety"), so an invalidation (UNLINK) the old master acknowledged can
 * be missing on the new one, which then serves the entry the write made stale.
 *
 * So each master keeps its own marker, `{prefix}!dataset{<tag>}`, where `<tag>` is a hash tag
 * chosen so that the marker's slot is one the master owns (the smallest number whose slot it
 * owns: the same for as long as it owns that slot). The marker holds the `run_id` of the
 * master on which it was last validated; a master whose `run_id` differs (a promoted replica,
 * a restart) or whose marker is gone (first start, FLUSHALL, eviction, a resharding that moved
 * the tag's slot) has every key of the prefix it holds removed, and only those: the other
 * masters keep their entries. The marker is set after the clearing, so a process that finds a
 * master's marker equal to its `run_id` knows the clearing is done.
 */

/** What {@link validateClusterDataset} did on one master. */
export interface MasterValidation {
  /** `host:port` of the master. */
  node: string;
  runId: string;
  /** The marker key on this master (with the prefix). */
  marker: string;
  /** True when this master's keys under the prefix were removed. */
  cleared: boolean;
  /** Keys removed from this master. */
  removed: number;
}

/** The marker key of the master whose slots give hash tag `tag`; `prefix` ends with `:`. */
export function clusterMarkerKey(prefix: string, tag: string): string {
  return `${prefix}!dataset{${tag}}`;
}

/**
 * The marker key for a master owning `slots`.
 * @throws {Error} when `slots` is empty (a master without slots holds no keys to validate)
 */
export function markerKeyForSlots(prefix: string, slots: readonly number[]): string {
  const owned = new Set(slots);
  const tag = hashTagFor((slot) => owned.has(slot));
  if (tag === undefined) throw new Error('a master without slots has no marker');
  return clusterMarkerKey(prefix, tag);
}

/** The `run_id` line of INFO server. @throws {Error} when absent */
export function runIdOf(info: string): string {
  const runId = /run_id:([0-9a-f]+)/.exec(info)?.[1];
  if (!runId) throw new Error('INFO server did not report a run_id');
  return runId;
}

/**
 * Validates one master: compares its `run_id` with its marker; on a difference, removes every
 * key of `prefix` on that node (SCAN + UNLINK per slot in batches of `batchSize`), then sets
 * the marker. Commands go to the node's own connection (not redirected): a slot map that is
 * out of date makes them fail with MOVED rather than validate another node.
 * @throws the Redis error when a command fails (the caller's probe then fails and retries)
 */
export async function validateMaster(
  master: ClusterMaster,
  prefix: string,
  batchSize: number,
): Promise<MasterValidation> {
  const marker = markerKeyForSlots(prefix, master.slots);
  const runId = runIdOf(await master.redis.info('server'));
  if ((await master.redis.get(marker)) === runId)
    return { node: master.key, runId, marker, cleared: false, removed: 0 };
  const removed = await scanAndUnlinkOnNode(master.redis, `${escapeGlob(prefix)}*`, batchSize);
  await master.redis.set(marker, runId);
  return { node: master.key, runId, marker, cleared: true, removed };
}

/**
 * Validates every master of the cluster at once, after refreshing the slot map.
 * @param prefix the key prefix with its trailing `:`; never empty (it would clear the keyspace)
 * @param batchSize keys per SCAN page
 * @param onCleared called for each master as soon as it was cleared and its marker set, even
 *   when another master's validation then fails: that clearing is done and is not repeated by
 *   the next attempt (its marker now matches), so it must be counted when it happens
 * @returns one {@link MasterValidation} per master: feed it to `ClusterTopologyGuard.trust`
 * @throws the first Redis error, or an Error when a slot has no master (a failover under way)
 */
export function validateClusterDataset(
  cluster: Cluster,
  prefix: string,
  batchSize: number,
  onCleared?: (validation: MasterValidation) => void,
): Promise<MasterValidation[]> {
  if (prefix === '') throw new Error('an empty prefix would clear the whole keyspace');
  return forEachMaster(cluster, async (master) => {
    const validation = await validateMaster(master, prefix, batchSize);
    if (validation.cleared) onCleared?.(validation);
    return validation;
  });
}
