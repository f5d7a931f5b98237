import { ClusterTopologyGuard, type TopologyDistrustReason } from '../../../../src/redis/cluster/topology';
import { keySlot } from '../../../../src/redis/cluster/key-slot';
import { refreshSlotMap } from '../../../../src/redis/cluster/masters';
import { validateClusterDataset } from '../../../../src/redis/cluster/cluster-dataset-validation';
import { useRedisCluster } from './support';
import { until } from '../../../support/wait';

const COMMAND_TIMEOUT_MS = 300;

// What a gateway sees while a master crashes and its replica takes over: every command fails
// within its timeout or is answered, and no answer obtained after the crash is confirmed by the
// guard until the new master has been validated.
describe('reads through a crash failover on a real cluster of 3 masters with a replica each', () => {
  const fixture = useRedisCluster({ masters: 3, replicasPerMaster: 1 }, { commandTimeoutMs: COMMAND_TIMEOUT_MS });

  it('fail within the command timeout or are answered, and none answered after the crash is confirmed', async () => {
    const { cluster, handle } = fixture;
    const reasons: TopologyDistrustReason[] = [];
    const guard = new ClusterTopologyGuard(cluster, {
      distrust: (reason) => void reasons.push(reason),
      probe: () => undefined,
    });
    try {
      const master = await handle.masterOf(0);
      const owner = `${master.host}:${master.port}`;
      const keys = Array.from({ length: 200 }, (_, index) => `cache:hero:${index}`).filter(
        (key) => cluster.slots[keySlot(key)]?.[0] === owner,
      );
      expect(keys.length).toBeGreaterThan(20);
      for (const key of keys) await cluster.set(key, 'v');
      expect(guard.trust(await validateClusterDataset(cluster, 'cache:', 100))).toBe(true);

      const outcomes: { started: number; elapsed: number; outcome: 'confirmed' | 'discarded' | 'failed' }[] = [];
      let running = true;
      const reader = (async () => {
        for (let index = 0; running; index += 1) {
          const key = keys[index % keys.length] as string;
          const started = Date.now();
          const ticket = guard.ticket();
          let outcome: 'confirmed' | 'discarded' | 'failed';
          try {
            await cluster.get(key);
            outcome = guard.confirm(ticket, [key]) ? 'confirmed' : 'discarded';
          } catch {
            outcome = 'failed';
          }
          outcomes.push({ started, elapsed: Date.now() - started, outcome });
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();
      await until(() => outcomes.length >= 20, 20_000, 'some reads before the crash');
      const { startedAt: killedAt } = await handle.failover(0, 'crash');
      await refreshSlotMap(cluster);
      await until(
        () => outcomes.some((read) => read.started > Date.now() - 200 && read.outcome !== 'failed'),
        10_000,
        'reads after the failover',
      );
      running = false;
      await reader;

      expect(reasons).toContain('node-lost');
      expect(
        outcomes.filter((read) => read.started < killedAt && read.outcome === 'confirmed').length,
      ).toBeGreaterThanOrEqual(20);
      expect(outcomes.filter((read) => read.started >= killedAt && read.outcome === 'confirmed')).toEqual([]);
      expect(
        outcomes.filter((read) => read.started >= killedAt && read.outcome === 'discarded').length,
      ).toBeGreaterThan(0);
      const failed = outcomes.filter((read) => read.outcome === 'failed');
      expect(failed.length).toBeGreaterThan(0);
      // Bounded by the command timeout (ioredis arms it once per command, redirections and
      // retries included), with a wide margin for a loaded machine: no read waits for the failover.
      expect(Math.max(...failed.map((read) => read.elapsed))).toBeLessThan(COMMAND_TIMEOUT_MS + 1000);
    } finally {
      guard.dispose();
    }
  });
});
