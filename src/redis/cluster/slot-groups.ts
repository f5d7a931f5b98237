import type { ChainableCommander, Cluster, Redis } from 'ioredis';
import { receiptScriptCall, UNLINK_WITH_RECEIPT } from '../receipts';
import { keySlot } from './key-slot';

/**
 * Multi-key commands split by hash slot. Redis Cluster refuses a multi-key command whose keys
 * hash to different slots (CROSSSLOT), even when one node owns all of them (cluster
 * specification, "Multi-key operations"), so MGET and UNLINK are sent once per slot, in one
 * pipeline per master, and the replies put back in the caller's order.
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
 * MGET of `keys` on either client: one MGET on a standalone server; on a cluster, one MGET per
 * slot, sent as one pipeline per master on that master's own connection (see
 * {@link runPerSlot}), the replies reassembled in the order of `keys`.
 * @throws the first error of any slot's MGET other than a redirection (the caller treats the
 *   whole read as unavailable)
 */
export async function mgetAcrossSlots(client: RedisClient, keys: readonly string[]): Promise<(string | null)[]> {
  if (keys.length === 0) return [];
  if (!isCluster(client)) return client.mget(...keys);
  const groups = groupBySlot(keys);
  if (groups.length === 1) return client.mget(...keys);
  const replies = await runPerSlot(client, groups, {
    pipe: (pipeline, group) => void pipeline.mget(...group.keys),
    routed: (group) => client.mget(...group.keys),
  });
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
 * UNLINK of `keys` on either client: one UNLINK on a standalone server; on a cluster, one per
 * slot, pipelined per master as {@link mgetAcrossSlots} does. UNLINK is idempotent, so a caller
 * that got an error may send the same keys again.
 * @returns keys removed
 * @throws the first error of any slot's UNLINK other than a redirection (some slots may have
 *   been unlinked: send all again)
 */
export async function unlinkAcrossSlots(client: RedisClient, keys: readonly string[]): Promise<number> {
  if (keys.length === 0) return 0;
  if (!isCluster(client)) return client.unlink(...keys);
  const groups = groupBySlot([...new Set(keys)]);
  const counts = await runPerSlot(client, groups, {
    pipe: (pipeline, group) => void pipeline.unlink(...group.keys),
    routed: (group) => client.unlink(...group.keys),
  });
  return counts.reduce((sum, count) => sum + Number(count), 0);
}

/**
 * UNLINK of `keys` with their receipts (`receipts.ts`), one script per slot, pipelined per master as
 * {@link unlinkAcrossSlots} does (EVAL in the pipeline: a NOSCRIPT reply there could not fall back).
 * @returns keys removed
 * @throws as {@link unlinkAcrossSlots}; the script is idempotent, so a caller may send the same keys again
 */
export async function unlinkWithReceiptAcrossSlots(
  cluster: Cluster,
  keys: readonly string[],
  receipt: string,
  ttlMs: number,
): Promise<number> {
  if (keys.length === 0) return 0;
  const groups = groupBySlot([...new Set(keys)]);
  const { lua } = UNLINK_WITH_RECEIPT;
  const counts = await runPerSlot(cluster, groups, {
    pipe: (pipeline, group) => {
      const call = receiptScriptCall(group.keys, receipt, ttlMs);
      void pipeline.eval(lua, call.keys.length, ...call.keys, ...call.args);
    },
    routed: (group) => {
      const call = receiptScriptCall(group.keys, receipt, ttlMs);
      return cluster.eval(lua, call.keys.length, ...call.keys, ...call.args);
    },
  });
  return counts.reduce<number>((sum, count) => sum + Number(count), 0);
}

/** How {@link runPerSlot} sends one slot's command: into a master's pipeline, or routed by the cluster client. */
interface SlotCommand<R> {
  pipe(pipeline: ChainableCommander, group: SlotGroup): void;
  routed(group: SlotGroup): Promise<R>;
}

/**
 * Sends one command per slot group: one pipeline per master (from the client's slot map) on
 * that master's own connection, so the commands of one master cost one write and one round
 * trip and each is bounded by the command timeout. (Sent one by one through the cluster
 * client, 100 slots cost 100 writes; with ioredis auto-pipelining they are batched, but a
 * cluster pipeline is retried after a failure with fresh timers, measured at ~2 s for a
 * 500 ms timeout during a failover: bench/cluster.ts.) A slot missing from the map, or answered
 * with MOVED/ASK (the map is out of date), is sent again through the cluster client, which
 * follows the redirection, and the map is refreshed.
 * @returns the replies, in the order of `groups`
 */
async function runPerSlot<R>(cluster: Cluster, groups: readonly SlotGroup[], command: SlotCommand<R>): Promise<R[]> {
  const connections = new Map(
    cluster.nodes('master').map((node) => [`${node.options.host}:${node.options.port}`, node]),
  );
  const byNode = new Map<Redis, number[]>();
  const routed: number[] = [];
  groups.forEach((group, index) => {
    const node = connections.get(cluster.slots[group.slot]?.[0] ?? '');
    if (!node) routed.push(index);
    else byNode.set(node, [...(byNode.get(node) ?? []), index]);
  });
  const results = new Array<R>(groups.length);
  await Promise.all(
    [...byNode].map(async ([node, indexes]) => {
      const pipeline = node.pipeline();
      for (const index of indexes) command.pipe(pipeline, groups[index] as SlotGroup);
      const replies = (await pipeline.exec()) ?? [];
      indexes.forEach((groupIndex, position) => {
        const [error, value] = replies[position] ?? [new Error('no reply in the pipeline'), null];
        if (!error) results[groupIndex] = value as R;
        else if (/^(MOVED|ASK) /.test(error.message)) routed.push(groupIndex);
        else throw error;
      });
    }),
  );
  if (routed.length > 0) cluster.refreshSlotsCache();
  await Promise.all(
    routed.map(async (index) => void (results[index] = await command.routed(groups[index] as SlotGroup))),
  );
  return results;
}
