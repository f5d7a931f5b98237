import type { Redis } from 'ioredis';
import { CLUSTER_SLOTS, keySlot } from '../../../../src/redis/cluster/key-slot';
import {
  clusterMasters,
  forEachMaster,
  scanAndUnlinkEverywhere,
  type ClusterMaster,
} from '../../../../src/redis/cluster/masters';
import { runIdOf } from '../../../../src/redis/cluster/cluster-dataset-validation';
import { escapeGlob } from '../../../../src/repository/key-schema';
import { useRedisCluster } from './support';

// SCAN sees one node's keyspace only: clearing a prefix or an entity type must reach every master.
describe('operations on every master of a real 3-master cluster', () => {
  const fixture = useRedisCluster({ masters: 3 });

  beforeEach(async () => {
    await forEachMaster(fixture.cluster, (master) => master.redis.flushall());
  });

  it('lists the three masters, which together own each of the 16384 slots once', async () => {
    const runIds = await forEachMaster(fixture.cluster, async (master) => runIdOf(await master.redis.info('server')));
    expect(new Set(runIds).size).toBe(3);
    const masters = clusterMasters(fixture.cluster);
    expect(masters.map((master) => master.key).sort()).toEqual(
      fixture.handle.seeds.map((seed) => `${seed.host}:${seed.port}`).sort(),
    );
    const owned = masters.flatMap((master) => master.slots);
    expect(owned).toHaveLength(CLUSTER_SLOTS);
    expect(new Set(owned).size).toBe(CLUSTER_SLOTS);
  });

  it('one master SCANned alone sees only its own part of a prefix', async () => {
    const keys = Array.from({ length: 300 }, (_, index) => `app:hero:${index}`);
    for (const key of keys) await fixture.cluster.set(key, 'x');
    const [first] = clusterMasters(fixture.cluster) as [ClusterMaster];
    const owned = new Set(first.slots);
    const seen = await scanAll(first.redis, 'app:*');
    expect(seen.sort()).toEqual(keys.filter((key) => owned.has(keySlot(key))).sort());
    expect(seen.length).toBeLessThan(300);
  });

  it('clears every key of a namespace on every master, in batches, and nothing else', async () => {
    const prefix = 'app[1]:';
    const heroes = Array.from({ length: 3000 }, (_, index) => `${prefix}hero:${index}`);
    const others = [`${prefix}heroes:1`, `${prefix}deck:1`, 'app1:hero:1', 'other:hero:1'];
    for (let start = 0; start < heroes.length; start += 500)
      await Promise.all(heroes.slice(start, start + 500).map((key) => fixture.cluster.set(key, 'x')));
    for (const key of others) await fixture.cluster.set(key, 'kept');
    const perMaster = await forEachMaster(
      fixture.cluster,
      async (master) => (await scanAll(master.redis, `${escapeGlob(prefix)}hero:*`)).length,
    );
    expect(perMaster.every((count) => count > 500)).toBe(true);
    expect(await scanAndUnlinkEverywhere(fixture.cluster, `${escapeGlob(prefix)}hero:*`, 100)).toBe(3000);
    expect(
      await forEachMaster(
        fixture.cluster,
        async (master) => (await scanAll(master.redis, `${escapeGlob(prefix)}hero:*`)).length,
      ),
    ).toEqual([0, 0, 0]);
    for (const key of others) expect(await fixture.cluster.get(key)).toBe('kept');
    expect(await scanAndUnlinkEverywhere(fixture.cluster, `${escapeGlob(prefix)}hero:*`, 100)).toBe(0);
  });
});

async function scanAll(redis: Redis, match: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, page] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
    keys.push(...page);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}
