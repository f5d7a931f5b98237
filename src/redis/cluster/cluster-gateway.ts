import type { Cluster } from 'ioredis';
import type { ClearedDataset, DatasetValidation } from '../dataset-validation';
import { validateClusterDataset } from './cluster-dataset-validation';
import { ClusterTopologyGuard, type TopologyDistrustReason } from './topology';

/**
 * What `RedisGateway` does differently on a Redis Cluster, in one place: trust follows the
 * {@link ClusterTopologyGuard} (which masters were validated), a read is used only when the
 * guard confirms it was answered under that trust, and the recovery probe validates every
 * master (per-master restore detection) before the guard records them.
 *
 * Why reads are confirmed: a failover promotes a replica whose copy may lack an UNLINK the old
 * master acknowledged (replication is asynchronous: cluster specification, "Write safety").
 * ioredis follows the MOVED to the new master before any event tells us, so the reply of a
 * read sent under the old topology could come from an unvalidated master holding an entry a
 * completed write made stale. Such a reply is thrown away (a miss served by the database) and
 * the guard withdraws trust, which opens the breaker and probes: the probe clears that master's
 * keys of the prefix (a promoted replica is a restored dataset) before the cache is trusted again.
 */
export class ClusterGatewaySupport {
  private readonly guard: ClusterTopologyGuard;

  /**
   * @param distrust opens the gateway's breaker
   * @param probe asks the breaker to probe now
   */
  constructor(
    private readonly cluster: Cluster,
    distrust: (reason: TopologyDistrustReason) => void,
    probe: () => void,
  ) {
    this.guard = new ClusterTopologyGuard(cluster, { distrust, probe });
  }

  /** Masters validated now, `host:port` to `run_id` (for health and tests). */
  get validatedMasters(): ReadonlyMap<string, string> {
    return this.guard.masters;
  }

  /** Taken before a read is sent; see {@link confirm}. */
  ticket(): number {
    return this.guard.ticket();
  }

  /** True when the reply of a read of `keys` (as stored) sent under `ticket` may be used. */
  confirm(ticket: number, keys: readonly string[]): boolean {
    return this.guard.confirm(ticket, keys);
  }

  /**
   * Validates every master (clearing `prefix` on each one whose `run_id` is not its marker's)
   * and records them as trusted.
   * @param onCleared called for each master cleared, as it happens (see `validateClusterDataset`)
   * @returns the validation summed over the masters (`runId`: the masters' run_ids, comma-separated)
   * @throws {Error} when a command fails, a slot has no master, or trust was withdrawn while it ran (the probe retries)
   */
  async validate(
    prefix: string,
    batchSize: number,
    onCleared: (cleared: ClearedDataset) => void,
  ): Promise<DatasetValidation> {
    const ticket = this.guard.ticket();
    const validations = await validateClusterDataset(this.cluster, prefix, batchSize, ({ node, runId, removed }) =>
      onCleared({ node, runId, removed }),
    );
    if (!this.guard.trust(validations, ticket)) throw new Error('the cluster topology changed while it was validated');
    return {
      runId: validations.map((validation) => validation.runId).join(','),
      cleared: validations.some((validation) => validation.cleared),
      removed: validations.reduce((sum, validation) => sum + validation.removed, 0),
    };
  }

  /** Removes the guard's listeners. */
  dispose(): void {
    this.guard.dispose();
  }
}
