import { Redis } from 'ioredis';
import type { RedisClusterHandle, RedisClusterNodeHandle } from './redis-cluster-api';

/**
 * Moves one hash slot between two live masters of a test cluster with the commands a
 * resharding tool sends (https://redis.io/docs/latest/commands/cluster-setslot/, "Redis
 * Cluster live resharding explained"):
 *
 * 1. `CLUSTER SETSLOT <slot> IMPORTING <from-id>` on the destination,
 * 2. `CLUSTER SETSLOT <slot> MIGRATING <to-id>` on the source (from now on the source answers
 *    `-ASK` for keys of the slot it no longer holds, the destination accepts them after `ASKING`),
 * 3. `CLUSTER GETKEYSINSLOT` + `MIGRATE ... KEYS` in batches until the source holds none,
 * 4. `CLUSTER SETSLOT <slot> NODE <to-id>` on the destination, then the source, then every other
 *    running master (clients are then redirected by `-MOVED`).
 */

/** Options of {@link migrateSlot}. Timeouts are milliseconds. */
export interface MigrateSlotOptions {
  /** Keys per `MIGRATE ... KEYS` batch. @default 100 */
  batchSize?: number;
  /** `requirepass` of the nodes (MIGRATE then sends `AUTH` to the destination). */
  password?: string;
  /**
   * Called once the slot is MIGRATING/IMPORTING and after each batch has moved, before the
   * next (with the number of keys moved so far): a test can run reads and writes while the slot
   * is split between both masters (the `-ASK` window).
   */
  whileMigrating?: (moved: number) => Promise<void>;
  /** MIGRATE's own timeout. @default 5000 */
  migrateTimeoutMs?: number;
}

/** What {@link migrateSlot} did. */
export interface MigrateSlotResult {
  /** Keys moved by MIGRATE. */
  moved: number;
}

/**
 * Moves `slot` from master `from` to master `to` (both nodes of `handle`), with its keys.
 * Plain TCP only (a TLS cluster's nodes are not reached here).
 * @throws {Error} when `from` does not own `slot`, or any command fails (the slot may then be left MIGRATING)
 */
export async function migrateSlot(
  handle: RedisClusterHandle,
  slot: number,
  from: RedisClusterNodeHandle,
  to: RedisClusterNodeHandle,
  options: MigrateSlotOptions = {},
): Promise<MigrateSlotResult> {
  const source = connect(from, options.password);
  try {
    await to.command('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', from.id);
    await from.command('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', to.id);
    let moved = 0;
    await options.whileMigrating?.(moved);
    for (;;) {
      const keys = (await source.call(
        'CLUSTER',
        'GETKEYSINSLOT',
        String(slot),
        String(options.batchSize ?? 100),
      )) as string[];
      if (keys.length === 0) break;
      const auth = options.password === undefined ? [] : ['AUTH', options.password];
      await source.call(
        'MIGRATE',
        to.host,
        String(to.port),
        '',
        '0',
        String(options.migrateTimeoutMs ?? 5000),
        ...auth,
        'KEYS',
        ...keys,
      );
      moved += keys.length;
      await options.whileMigrating?.(moved);
    }
    // Destination first: were the source told first, a redirected client could find the
    // destination still refusing the slot (it only accepts ASKING until it owns it).
    await to.command('CLUSTER', 'SETSLOT', String(slot), 'NODE', to.id);
    await from.command('CLUSTER', 'SETSLOT', String(slot), 'NODE', to.id);
    for (const node of handle.nodes) {
      if (node === from || node === to || !node.running) continue;
      const role = String(await node.command('INFO', 'replication'));
      if (role.includes('role:master')) await node.command('CLUSTER', 'SETSLOT', String(slot), 'NODE', to.id);
    }
    return { moved };
  } finally {
    source.disconnect();
  }
}

/** A plain connection to one node (its replies may be arrays, which the handle's command does not parse). */
function connect(node: RedisClusterNodeHandle, password: string | undefined): Redis {
  const redis = new Redis({
    host: node.host,
    port: node.port,
    password,
    lazyConnect: false,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
  });
  redis.on('error', () => undefined);
  return redis;
}
