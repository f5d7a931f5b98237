import type { Cluster, Redis } from 'ioredis';
import type { MasterValidation } from './cluster-dataset-validation';
import { CLUSTER_SLOTS, keySlot } from './key-slot';

/**
 * When a cluster's cache must stop being trusted, and when to probe it again. What a
 * standalone gateway learns from its connection's `close` event, a cluster client spreads
 * over several events (ioredis 5, lib/cluster/index.ts and ConnectionPool.ts):
 *
 * - `-node` (a node's connection ended: the node died, restarted, or left the slot map).
 *   Node connections do not reconnect (no `clusterNodeRetryStrategy`), so a master that
 *   restarts, possibly from a snapshot, always ends its connection first. Distrust when the
 *   node was a validated master; a replica's loss does not matter (replicas are never read).
 * - `refresh` (a new slot map was applied: periodically, after MOVED, after a failure). When
 *   the map names a master that was not validated (a promoted replica, a new shard): distrust
 *   and probe at once. Emitted synchronously after the map is applied, before commands
 *   waiting for it are sent again.
 * - `close` / `end` of the cluster client (every node lost): distrust.
 * - `ready` (CLUSTER INFO says `cluster_state:ok` after a connect): probe.
 * - `+node` (a connection object was created) and `node error` (a connection or command
 *   error of one node) need no action here: a node that matters shows up in `refresh`, and a
 *   failing connection ends with `-node`. `node error` is only logged.
 *
 * Events cannot cover everything: after MOVED, ioredis re-routes the command to the new owner
 * before the refresh, so a read can be answered by a master nobody validated yet (a replica
 * promoted while this process was idle). {@link ClusterTopologyGuard.confirm}, called after
 * each read, catches it: the read's slots must still belong to validated masters and no event
 * must have fired during the read, else its reply is thrown away as if Redis were unavailable.
 */

/** Why {@link ClusterTopologyGuard} withdrew trust. */
export type TopologyDistrustReason = 'node-lost' | 'topology-changed' | 'cluster-closed' | 'unvalidated-master';

/** What the guard tells its owner (the gateway: open the breaker; run the recovery probe). */
export interface TopologyListener {
  distrust(reason: TopologyDistrustReason): void;
  probe(): void;
}

function nodeKey(redis: Redis): string {
  return `${redis.options.host}:${redis.options.port}`;
}

/**
 * Tracks which masters were validated (their `run_id` checked by `validateClusterDataset`)
 * and withdraws trust when the cluster's topology moves away from them.
 */
export class ClusterTopologyGuard {
  /** Incremented whenever trust is withdrawn: a read that began under another epoch is not confirmed. */
  epoch = 0;
  private readonly validated = new Map<string, string>();
  private readonly handlers: [string, (...args: unknown[]) => void][];

  constructor(
    private readonly cluster: Cluster,
    private readonly listener: TopologyListener,
  ) {
    this.handlers = [
      ['-node', (redis: unknown) => this.onNodeLost(redis as Redis)],
      ['refresh', () => this.onRefresh()],
      ['close', () => this.withdraw('cluster-closed')],
      ['end', () => this.withdraw('cluster-closed')],
      ['ready', () => this.listener.probe()],
    ];
    for (const [event, handler] of this.handlers) cluster.on(event, handler);
  }

  /** Masters validated now, `host:port` to `run_id`. */
  get masters(): ReadonlyMap<string, string> {
    return this.validated;
  }

  /**
   * Records the masters a validation checked (the probe's result). Trust covers exactly them.
   * @param since the {@link ticket} taken before the validation began: when trust was withdrawn
   *   since (a master lost while it was validated), nothing is recorded
   * @returns true when they cover every slot of the current slot map and nothing was withdrawn
   *   since `since` (else the probe must fail and retry)
   */
  trust(validations: readonly MasterValidation[], since = this.epoch): boolean {
    if (since !== this.epoch) return false;
    this.validated.clear();
    for (const validation of validations) this.validated.set(validation.node, validation.runId);
    return this.coversSlotMap();
  }

  /** The epoch to pass to {@link confirm} after a read. */
  ticket(): number {
    return this.epoch;
  }

  /**
   * True when a read that took `ticket` before it was sent may be used: no trust was withdrawn
   * meanwhile and the slots of `keys` (as sent, with the prefix) belong to validated masters.
   * Otherwise withdraws trust (`unvalidated-master`) and returns false.
   */
  confirm(ticket: number, keys: readonly string[]): boolean {
    if (ticket !== this.epoch) return false;
    for (const key of keys) {
      const owner = this.cluster.slots[keySlot(key)]?.[0];
      if (owner === undefined || !this.validated.has(owner)) {
        this.withdraw('unvalidated-master');
        this.listener.probe();
        return false;
      }
    }
    return true;
  }

  /** True when every slot's master in the client's slot map was validated. */
  coversSlotMap(): boolean {
    if (this.validated.size === 0) return false;
    for (let slot = 0; slot < CLUSTER_SLOTS; slot += 1) {
      const owner = this.cluster.slots[slot]?.[0];
      if (owner === undefined || !this.validated.has(owner)) return false;
    }
    return true;
  }

  /** Removes the listeners. */
  dispose(): void {
    for (const [event, handler] of this.handlers) this.cluster.off(event, handler);
  }

  private onNodeLost(redis: Redis): void {
    if (this.validated.has(nodeKey(redis))) this.withdraw('node-lost');
  }

  private onRefresh(): void {
    if (this.validated.size > 0 && !this.coversSlotMap()) {
      this.withdraw('topology-changed');
      this.listener.probe();
    }
  }

  private withdraw(reason: TopologyDistrustReason): void {
    this.epoch += 1;
    this.validated.clear();
    this.listener.distrust(reason);
  }
}
