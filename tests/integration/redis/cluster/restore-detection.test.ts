import type { Cluster, Redis } from 'ioredis';
import { ClusterTopologyGuard, type TopologyDistrustReason } from '../../../../src/redis/cluster/topology';
import { clusterMasters, refreshSlotMap } from '../../../../src/redis/cluster/masters';
import { keySlot } from '../../../../src/redis/cluster/key-slot';
import { mgetAcrossSlots } from '../../../../src/redis/cluster/slot-groups';
import {
  runIdOf,
  validateClusterDataset,
  type MasterValidation,
} from '../../../../src/redis/cluster/cluster-dataset-validation';
import type { RedisClusterHandle } from 'cachedrepo/testing';
import { useRedisCluster } from './support';
import { until } from '../../../support/wait';

const PREFIX = 'cache:';
const ENTRIES = Array.from({ length: 300 }, (_, index) => `${PREFIX}hero:${index}`);

// A failover promotes a replica with its own run_id, whose copy may lack writes the old master
// acknowledged (replication is asynchronous). Each master has its own marker, and only a
// master whose run_id changed is cleared (cluster-dataset-validation.ts).
describe('per-master restore detection on a real cluster of 3 masters with a replica each', () => {
  const fixture = useRedisCluster({ masters: 3, replicasPerMaster: 1 });
  let cluster: Cluster;
  let handle: RedisClusterHandle;
  const reasons: TopologyDistrustReason[] = [];
  let guard: ClusterTopologyGuard;

  beforeAll(() => {
    ({ cluster, handle } = fixture);
    guard = new ClusterTopologyGuard(cluster, {
      distrust: (reason) => void reasons.push(reason),
      probe: () => undefined,
    });
  });
  afterAll(() => guard?.dispose());

  /** Writes the entries, validates, and waits until every replica has them. */
  async function populateAndValidate(): Promise<MasterValidation[]> {
    for (const key of ENTRIES) await cluster.set(key, `old ${key}`);
    const validations = await validateClusterDataset(cluster, PREFIX, 100);
    expect(guard.trust(validations)).toBe(true);
    for (const master of clusterMasters(cluster)) expect(await master.redis.wait(1, 5000)).toBe(1);
    reasons.length = 0;
    return validations;
  }

  /** The entries whose slot is in `slots` (a master's, taken before its failover). */
  function entriesOf(slots: readonly number[]): string[] {
    const owned = new Set(slots);
    return ENTRIES.filter((key) => owned.has(keySlot(key)));
  }

  it('the first validation clears every master and leaves each a marker in a slot it owns', async () => {
    for (const key of ENTRIES) await cluster.set(key, 'left from before');
    const validations = await validateClusterDataset(cluster, PREFIX, 50);
    expect(validations).toHaveLength(3);
    expect(validations.every((validation) => validation.cleared)).toBe(true);
    expect(validations.reduce((sum, validation) => sum + validation.removed, 0)).toBe(300);
    for (const master of clusterMasters(cluster)) {
      const validation = validations.find((candidate) => candidate.node === master.key) as MasterValidation;
      expect(master.slots).toContain(keySlot(validation.marker));
      // Read on the node's own connection: a marker on another node would answer MOVED.
      expect(await master.redis.get(validation.marker)).toBe(runIdOf(await master.redis.info('server')));
    }
    expect(await mgetAcrossSlots(cluster, ENTRIES)).toEqual(ENTRIES.map(() => null));
    const again = await validateClusterDataset(cluster, PREFIX, 50);
    expect(again.map((validation) => [validation.cleared, validation.removed])).toEqual([
      [false, 0],
      [false, 0],
      [false, 0],
    ]);
  });

  it('a crash failover clears exactly the master whose replica was promoted; the guard withdrew trust', async () => {
    const before = await populateAndValidate();
    const shard = 0;
    const old = await handle.masterOf(shard);
    const oldKey = `${old.host}:${old.port}`;
    const oldSlots = clusterMasters(cluster).find((master) => master.key === oldKey)?.slots as number[];
    const result = await handle.failover(shard, 'crash');
    await until(() => reasons.length > 0, 20_000, 'the guard to withdraw trust');
    expect(reasons[0]).toBe('node-lost');
    await refreshSlotMap(cluster);
    expect(guard.coversSlotMap()).toBe(false);
    const ticket = guard.ticket();
    expect(guard.confirm(ticket, entriesOf(oldSlots).slice(0, 1))).toBe(false);

    const after = await validateClusterDataset(cluster, PREFIX, 100);
    const promoted = `${result.to.host}:${result.to.port}`;
    expect(after.filter((validation) => validation.cleared).map((validation) => validation.node)).toEqual([promoted]);
    // Its entries, plus the marker the old master had replicated to it.
    expect(after.find((validation) => validation.node === promoted)?.removed).toBe(entriesOf(oldSlots).length + 1);
    expect(after.filter((validation) => validation.node !== promoted)).toEqual(
      before.filter((validation) => validation.node !== oldKey),
    );
    const values = await mgetAcrossSlots(cluster, ENTRIES);
    ENTRIES.forEach((key, index) =>
      expect([key, values[index]]).toEqual([key, entriesOf(oldSlots).includes(key) ? null : `old ${key}`]),
    );
    // A validation that began before trust was withdrawn proves nothing.
    expect(guard.trust(after, ticket - 1)).toBe(false);
    expect(guard.trust(after, guard.ticket())).toBe(true);
    expect(guard.confirm(guard.ticket(), ENTRIES)).toBe(true);
    await result.from.restart();
    await handle.waitUntilHealthy();
  });

  it(
    'a promoted replica that missed an invalidation serves the stale entry until validated; ' + 'validation removes it',
    async () => {
      await populateAndValidate();
      const shard = 1;
      const master = await handle.masterOf(shard);
      const [replica] = (await handle.replicasOf(shard)) as [RedisClusterHandle['nodes'][number]];
      const key = ENTRIES.find(
        (candidate) => (cluster.slots[keySlot(candidate)]?.[0] ?? '') === `${master.host}:${master.port}`,
      ) as string;
      const ticket = guard.ticket();
      // The replica stops, its link is cut, and the master acknowledges the invalidation alone before it dies.
      replica.signal('SIGSTOP');
      try {
        await master.command('CLIENT', 'KILL', 'TYPE', 'replica');
        expect(await master.command('UNLINK', key)).toBe(1);
        await master.kill();
      } finally {
        replica.signal('SIGCONT');
      }
      await until(
        async () => (await handle.masterOf(shard).catch(() => null)) === replica,
        30_000,
        'the replica to be promoted',
      );
      await handle.waitUntilHealthy(30_000);
      await refreshSlotMap(cluster);
      const promoted = clusterMasters(cluster).find(
        (candidate) => candidate.key === `${replica.host}:${replica.port}`,
      ) as { redis: Redis };
      expect(await promoted.redis.get(key)).toBe(`old ${key}`);
      expect(guard.confirm(ticket, [key])).toBe(false);

      const after = await validateClusterDataset(cluster, PREFIX, 100);
      expect(after.filter((validation) => validation.cleared).map((validation) => validation.node)).toEqual([
        `${replica.host}:${replica.port}`,
      ]);
      expect(await cluster.get(key)).toBeNull();
      expect(await promoted.redis.get(key)).toBeNull();
      await master.restart();
      await handle.waitUntilHealthy();
    },
  );

  it('a manual failover (FORCE) also changes the run_id: only that master is cleared', async () => {
    await populateAndValidate();
    const old = await handle.masterOf(2);
    const cleared = entriesOf(
      clusterMasters(cluster).find((master) => master.key === `${old.host}:${old.port}`)?.slots as number[],
    );
    const result = await handle.failover(2, 'force');
    expect(result.from.running).toBe(true);
    await refreshSlotMap(cluster);
    const after = await validateClusterDataset(cluster, PREFIX, 100);
    expect(after.filter((validation) => validation.cleared).map((validation) => validation.node)).toEqual([
      `${result.to.host}:${result.to.port}`,
    ]);
    const values = await mgetAcrossSlots(cluster, ENTRIES);
    ENTRIES.forEach((key, index) =>
      expect([key, values[index]]).toEqual([key, cleared.includes(key) ? null : `old ${key}`]),
    );
  });
});
