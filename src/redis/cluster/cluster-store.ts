import type { Cluster, Redis } from 'ioredis';
import type { ClearedDataset, DatasetValidation } from '../dataset-validation';
import { getOrLease, type GetOrLeaseSupport, type LeasedRead } from '../get-or-lease';
import { runScript } from '../scripts';
import type { LuaScript, RedisStore, StoreConnection, StoreTopology, TrustHooks } from '../store';
import { validateClusterDataset } from './cluster-dataset-validation';
import { ClusterTracking } from './cluster-tracking';
import { forEachMaster, scanAndUnlinkEverywhere } from './masters';
import { mgetAcrossSlots, unlinkAcrossSlots, unlinkWithReceiptAcrossSlots } from './slot-groups';
import { ClusterTopologyGuard } from './topology';

/**
 * Trust on a Redis Cluster: it follows the {@link ClusterTopologyGuard} (which masters were
 * validated), a read is used only when the guard confirms validated masters answered it under
 * that trust, and restore detection validates every master before the guard records them.
 *
 * Why reads are confirmed: a failover promotes a replica whose copy may lack an UNLINK the old
 * master acknowledged (replication is asynchronous: cluster specification, "Write safety").
 * ioredis follows the MOVED to the new master before any event tells us, so the reply of a
 * read sent under the old topology could come from an unvalidated master holding an entry a
 * completed write made stale. Such a reply is thrown away (a miss served by the database) and
 * the guard withdraws trust, which opens the breaker and probes: the probe clears that master's
 * keys of the prefix (a promoted replica is a restored dataset) before the cache is trusted again.
 */
export class ClusterTopology implements StoreTopology {
  /**
   * Invalidations are sent while the breaker is open (a failover, a node lost, failed commands):
   * the other masters still answer, and an UNLINK left pending until this process validated every
   * master again would let processes that already did serve the entry meanwhile (seen in the
   * multi-process failover test).
   */
  readonly sendsWhileDistrusted = true;
  private guard: ClusterTopologyGuard | null = null;
  private onNodeError: ((error: unknown) => void) | null = null;

  constructor(readonly cluster: Cluster) {}

  watch(hooks: TrustHooks): void {
    this.guard = new ClusterTopologyGuard(this.cluster, {
      distrust: () => hooks.distrust('topology'),
      probe: () => hooks.probe(),
    });
    this.onNodeError = (error: unknown) => hooks.reportError('cluster node', error);
    this.cluster.on('node error', this.onNodeError);
    if (this.cluster.status === 'ready') hooks.probe();
  }

  ticket(): number {
    return this.guard?.ticket() ?? 0;
  }

  confirm(ticket: number, keys: readonly string[]): boolean {
    return this.guard?.confirm(ticket, keys) ?? false;
  }

  /** Masters validated now, `host:port` to `run_id` (for health and tests). */
  get validatedMasters(): ReadonlyMap<string, string> {
    return this.guard?.masters ?? new Map();
  }

  /**
   * Validates every master (clearing `prefix` on each one whose `run_id` is not its marker's)
   * and records them as trusted.
   * @throws {Error} when a command fails, a slot has no master, or trust was withdrawn meanwhile (the probe retries)
   */
  async validate(
    prefix: string,
    batchSize: number,
    onCleared: (cleared: ClearedDataset) => void,
  ): Promise<DatasetValidation> {
    const guard = this.guard;
    if (guard === null) throw new Error('the cluster topology is not watched yet');
    const ticket = guard.ticket();
    const validations = await validateClusterDataset(this.cluster, prefix, batchSize, ({ node, runId, removed }) =>
      onCleared({ node, runId, removed }),
    );
    if (!guard.trust(validations, ticket)) throw new Error('the cluster topology changed while it was validated');
    return {
      runId: validations.map((validation) => validation.runId).join(','),
      cleared: validations.some((validation) => validation.cleared),
      removed: validations.reduce((sum, validation) => sum + validation.removed, 0),
    };
  }

  dispose(): void {
    this.guard?.dispose();
    if (this.onNodeError) this.cluster.off('node error', this.onNodeError);
  }
}

/** The ioredis `Cluster` client: single-key commands routed by slot, multi-key ones split per slot. */
export class ClusterConnection implements StoreConnection {
  private readonly support: GetOrLeaseSupport = { unsupported: false };

  constructor(
    private readonly cluster: Cluster,
    private readonly topology: ClusterTopology,
  ) {}

  get(key: string): Promise<string | null> {
    return this.cluster.get(key);
  }

  getOrLease(key: string, token: string, ttlSeconds: number): Promise<LeasedRead> {
    return getOrLease(this.cluster, this.support, key, token, ttlSeconds);
  }

  mget(keys: readonly string[]): Promise<(string | null)[]> {
    return mgetAcrossSlots(this.cluster, keys);
  }

  async setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    return (await this.cluster.set(key, value, 'EX', ttlSeconds, 'NX')) === 'OK';
  }

  script(lua: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    // A Cluster routes EVALSHA/EVAL by its first key, like any single-slot command.
    return runScript(this.cluster, lua, keys, args);
  }

  async loadScripts(scripts: readonly LuaScript[]): Promise<void> {
    await forEachMaster(this.cluster, (master) =>
      Promise.all(scripts.map((script) => master.redis.script('LOAD', script.lua))),
    );
  }

  unlink(keys: readonly string[]): Promise<number> {
    return unlinkAcrossSlots(this.cluster, keys);
  }

  unlinkWithReceipt(keys: readonly string[], receipt: string, ttlMs: number): Promise<number> {
    return unlinkWithReceiptAcrossSlots(this.cluster, keys, receipt, ttlMs);
  }

  scanAndUnlink(match: string, batchSize: number): Promise<number> {
    return scanAndUnlinkEverywhere(this.cluster, match, batchSize);
  }

  /** Near caches on a cluster track in broadcast mode (`cluster-tracking.ts`): nothing to opt in. */
  optInNextRead(): void {}

  validateDataset(
    prefix: string,
    batchSize: number,
    onCleared: (cleared: ClearedDataset) => void,
  ): Promise<DatasetValidation> {
    return this.topology.validate(prefix, batchSize, onCleared);
  }
}

/** One ioredis `Cluster` (it opens its own connection to every node). */
export function clusterStore(cluster: Cluster): RedisStore {
  const topology = new ClusterTopology(cluster);
  return {
    clients: [cluster],
    connections: [new ClusterConnection(cluster, topology)],
    topology,
    tracking: {
      clients: [cluster as unknown as Redis],
      forcedMode: 'broadcast',
      acquireClusterTracking: (options, listener) => ClusterTracking.acquire(cluster, options, listener),
    },
  };
}
