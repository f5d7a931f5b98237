import type { Cluster, Redis } from 'ioredis';
import { clusterMasters } from '../../../../src/redis/cluster/masters';
import { keySlot } from '../../../../src/redis/cluster/key-slot';
import {
  ACQUIRE_LEASE_LUA,
  RELEASE_LEASE_LUA,
  STORE_IF_LEASED_LUA,
  newLeaseToken,
} from '../../../../src/protocol/lease';
import { useRedisCluster } from './support';

type LeasedCluster = Cluster & {
  acquireLease(key: string, token: string, ttlSeconds: number, rejected?: string): Promise<number>;
  storeIfLeased(key: string, token: string, raw: string, ttlSeconds: number): Promise<number>;
  releaseLease(key: string, token: string): Promise<number>;
};

// Every Lua script of the protocol touches one key (lease.ts), so ioredis routes it by that
// key's slot to its master, EVALSHA with a fallback to EVAL on a node that lacks the script.
describe('the lease scripts on a real 3-master cluster', () => {
  const fixture = useRedisCluster({ masters: 3 });
  let cluster: LeasedCluster;
  let owners: Map<number, Redis>;

  beforeAll(() => {
    cluster = fixture.cluster as LeasedCluster;
    // Defined as RedisGateway defines them on a standalone client.
    cluster.defineCommand('acquireLease', { numberOfKeys: 1, lua: ACQUIRE_LEASE_LUA });
    cluster.defineCommand('storeIfLeased', { numberOfKeys: 1, lua: STORE_IF_LEASED_LUA });
    cluster.defineCommand('releaseLease', { numberOfKeys: 1, lua: RELEASE_LEASE_LUA });
    owners = new Map(
      clusterMasters(cluster).flatMap((master) => master.slots.map((slot) => [slot, master.redis] as [number, Redis])),
    );
  });

  it('acquire, store and release run on the master of each key, whatever its slot', async () => {
    const keys = Array.from({ length: 60 }, (_, index) => `cache:hero:${index}`);
    expect(new Set(keys.map((key) => owners.get(keySlot(key)))).size).toBe(3);
    const tokens = keys.map(() => newLeaseToken());
    expect(await Promise.all(keys.map((key, index) => cluster.acquireLease(key, tokens[index] as string, 10)))).toEqual(
      keys.map(() => 1),
    );
    // The lease sits on the key's own master: read there without redirection.
    for (const [index, key] of keys.entries()) expect(await ownerOf(key).get(key)).toBe(tokens[index]);
    expect(await cluster.acquireLease(keys[0] as string, newLeaseToken(), 10)).toBe(0);
    expect(
      await Promise.all(
        keys.map((key, index) => cluster.storeIfLeased(key, tokens[index] as string, `entry ${key}`, 120)),
      ),
    ).toEqual(keys.map(() => 1));
    for (const key of keys) {
      expect(await ownerOf(key).get(key)).toBe(`entry ${key}`);
      expect(await ownerOf(key).ttl(key)).toBeGreaterThan(100);
    }
  });

  it(
    'a lease removed by an invalidation makes the store fail on any master; a released lease ' + 'frees the key',
    async () => {
      const keys = Array.from({ length: 30 }, (_, index) => `cache:deck:${index}:full`);
      const tokens = keys.map(() => newLeaseToken());
      await Promise.all(keys.map((key, index) => cluster.acquireLease(key, tokens[index] as string, 10)));
      for (const key of keys.filter((_, index) => index % 2 === 0)) expect(await cluster.unlink(key)).toBe(1);
      const stored = await Promise.all(
        keys.map((key, index) => cluster.storeIfLeased(key, tokens[index] as string, 'stale?', 60)),
      );
      expect(stored).toEqual(keys.map((_, index) => (index % 2 === 0 ? 0 : 1)));
      for (const [index, key] of keys.entries())
        expect(await ownerOf(key).get(key)).toBe(index % 2 === 0 ? null : 'stale?');
      const token = newLeaseToken();
      const key = 'cache:card:released';
      expect(await cluster.acquireLease(key, token, 10)).toBe(1);
      await cluster.releaseLease(key, token);
      expect(await ownerOf(key).exists(key)).toBe(0);
    },
  );

  it('a script loaded on no node yet still runs (EVALSHA falls back to EVAL on each master)', async () => {
    await Promise.all(clusterMasters(cluster).map((master) => master.redis.script('FLUSH')));
    const key = 'cache:story:after-flush';
    const token = newLeaseToken();
    expect(await cluster.acquireLease(key, token, 10)).toBe(1);
    expect(await cluster.storeIfLeased(key, token, 'v', 60)).toBe(1);
    expect(await ownerOf(key).get(key)).toBe('v');
  });

  it("EVAL with one key (as the outbox deliverer lease renews itself) runs on that key's master", async () => {
    const renew = "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end return 0";
    const keys = Array.from({ length: 12 }, (_, index) => `cache${index}:!outbox-deliverer`);
    expect(new Set(keys.map((key) => owners.get(keySlot(key)))).size).toBe(3);
    for (const key of keys) {
      expect(await cluster.eval(renew, 1, key, 'token', 5000)).toBe(1);
      expect(await cluster.eval(renew, 1, key, 'other', 5000)).toBe(0);
      expect(await ownerOf(key).get(key)).toBe('token');
    }
  });

  function ownerOf(key: string): Redis {
    const owner = owners.get(keySlot(key));
    if (!owner) throw new Error(`no owner for ${key}`);
    return owner;
  }
});
