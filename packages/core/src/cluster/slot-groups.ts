import type { Cluster, Redis } from 'ioredis';
import { keySlot } from './key-slot';

/**
 * Multi-key commands split by hash slot. Redis Cluster refuses a multi-key command whose keys
 * hash to different slots (CROSSSLOT), even when one node owns all of them (cluster
 * specification, "Multi-key operations"), so MGET and UNLINK are sent once per slot, all at
 * once (the commands bound for one node travel on its one connection without waiting for each
 * other), and the replies put back in the caller's order.
 */

/** A standalone client or a cluster client: the helpers here work on both. */
export type RedisClient = Redis | Cluster;

/** Keys that hash to one slot, with their positions in the caller's list. */
export interface SlotGroup {
  slot: number;
  keys: string[];
  /** `keys[i]` was at position `indexes[i]` of the list given to {@link groupBySlot}. */
  indexes: number[];
}

/** True for an ioredis `Cluster` (ioredis sets `isCluster` on it, and only on it). */
export function isCluster(client: RedisClient): client is Cluster {
  return (client as { isCluster?: boolean }).isCluster === true;
}

/**
 * Groups keys by hash slot, groups in the order of their first key, keys in their order.
 * A key given twice appears twice (MGET answers both; UNLINK counts it once).
 */
export function groupBySlot(keys: readonly string[]): SlotGroup[] {
  const groups = new Map<number, SlotGroup>();
  keys.forEach((key, index) => {
    const slot = keySlot(key);
    const group = groups.get(slot);
    if (group) {
      group.keys.push(key);
      group.indexes.push(index);
    } else groups.set(slot, { slot, keys: [key], indexes: [index] });
  });
  return [...groups.values()];
}

/**
 * Groups keys by the master that owns their slot in the client's current slot map
 * (`cluster.slots`, refreshed by ioredis on MOVED and every `slotsRefreshInterval`).
 * @returns node key (`host:port`) to that node's slot groups; keys of a slot the map does not
 *   cover yet are under the key `''`
 */
export function groupByMaster(cluster: Cluster, keys: readonly string[]): Map<string, SlotGroup[]> {
  const byNode = new Map<string, SlotGroup[]>();
  for (const group of groupBySlot(keys)) {
    const node = cluster.slots[group.slot]?.[0] ?? '';
    const groups = byNode.get(node);
    if (groups) groups.push(group);
    else byNode.set(node, [group]);
  }
  return byNode;
}

/**
 * MGET of `keys` on either client: one MGET on a standalone server; one per slot on a cluster,
 * sent together, the replies reassembled in the order of `keys`.
 * @throws the first error of any slot's MGET (the caller treats the whole read as unavailable)
 */
export async function mgetAcrossSlots(client: RedisClient, keys: readonly string[]): Promise<(string | null)[]> {
  if (keys.length === 0) return [];
  if (!isCluster(client)) return client.mget(...keys);
  const groups = groupBySlot(keys);
  if (groups.length === 1) return client.mget(...keys);
  const replies = await Promise.all(groups.map((group) => client.mget(...group.keys)));
  const values = new Array<string | null>(keys.length).fill(null);
  groups.forEach((group, groupIndex) => {
    const reply = replies[groupIndex] as (string | null)[];
    group.indexes.forEach((position, index) => {
      values[position] = reply[index] ?? null;
    });
  });
  return values;
}

/**
 * UNLINK of `keys` on either client: one UNLINK on a standalone server; one per slot on a
 * cluster, sent together. UNLINK is idempotent, so a caller that got an error may send the
 * same keys again.
 * @returns keys removed
 * @throws the first error of any slot's UNLINK (some slots may have been unlinked: send all again)
 */
export async function unlinkAcrossSlots(client: RedisClient, keys: readonly string[]): Promise<number> {
  if (keys.length === 0) return 0;
  if (!isCluster(client)) return client.unlink(...keys);
  const counts = await Promise.all(groupBySlot([...new Set(keys)]).map((group) => client.unlink(...group.keys)));
  return counts.reduce((sum, count) => sum + count, 0);
}
