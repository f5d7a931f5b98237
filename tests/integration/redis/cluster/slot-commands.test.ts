import type { Redis } from 'ioredis';
import {
  groupByMaster,
  groupBySlot,
  mgetAcrossSlots,
  unlinkAcrossSlots,
} from '../../../../src/redis/cluster/slot-groups';
import { keySlot } from '../../../../src/redis/cluster/key-slot';
import { createRedisClient, waitUntilReady } from '../../../../src/redis/redis-client';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';
import { useRedisCluster } from './support';

// Multi-key commands split per slot must answer on a 3-master cluster exactly as one MGET /
// one UNLINK answers on a single redis-server (cluster specification, "Multi-key operations").
describe('slot grouping and per-slot MGET/UNLINK on a real 3-master cluster', () => {
  const fixture = useRedisCluster({ masters: 3 });
  let server: RedisServerHandle;
  let single: Redis;

  beforeAll(async () => {
    server = await startRedisServer();
    single = createRedisClient({ url: server.url, commandTimeoutMs: 2000 });
    single.on('error', () => undefined);
    await waitUntilReady(single, 5000);
  });
  afterAll(async () => {
    single?.disconnect();
    await server?.stop();
  });
  beforeEach(async () => {
    await Promise.all(fixture.cluster.nodes('master').map((node) => node.flushall()));
    await single.flushall();
  });

  it('computes the slot Redis computes (CLUSTER KEYSLOT), hash tags and UTF-8 included', async () => {
    const keys = [
      'cache:hero:1',
      'cache:decks:7:full',
      '',
      'a',
      '{user1000}.following',
      'foo{}{bar}',
      'foo{{bar}}zap',
      'foo{bar}{zap}',
      '{}x',
      'x{',
      'héros:ñ:日本',
      'cache:hero:name:%7Bx%7D',
    ];
    for (let index = 0; index < 200; index += 1) keys.push(`cache:story:${index * 7919}`);
    const [node] = fixture.cluster.nodes('master') as [Redis];
    for (const key of keys) expect([key, keySlot(key)]).toEqual([key, Number(await node.cluster('KEYSLOT', key))]);
  });

  it('a raw MGET across slots fails with CROSSSLOT, which is why reads are split', async () => {
    const keys = ['cache:hero:1', 'cache:hero:2', 'cache:hero:3'];
    expect(new Set(keys.map(keySlot)).size).toBe(3);
    await expect(fixture.cluster.mget(...keys)).rejects.toThrow(/CROSSSLOT/);
  });

  it('groups keys by slot, keeping first-seen order and positions (duplicates included)', () => {
    const keys = ['{a}1', 'b', '{a}2', 'b', '{a}3'];
    expect(groupBySlot(keys)).toEqual([
      { slot: keySlot('a'), keys: ['{a}1', '{a}2', '{a}3'], indexes: [0, 2, 4] },
      { slot: keySlot('b'), keys: ['b', 'b'], indexes: [1, 3] },
    ]);
  });

  it('groups keys by the master that owns their slot, and each master holds what it is given', async () => {
    const keys = Array.from({ length: 300 }, (_, index) => `cache:hero:${index}`);
    const byMaster = groupByMaster(fixture.cluster, keys);
    expect(byMaster.size).toBe(3);
    expect([...byMaster.values()].flat().reduce((count, group) => count + group.keys.length, 0)).toBe(300);
    const connections = new Map(
      fixture.cluster.nodes('master').map((node) => [`${node.options.host}:${node.options.port}`, node]),
    );
    for (const [master, groups] of byMaster) {
      const node = connections.get(master) as Redis;
      // Written on the node's own connection (no redirection): a wrong owner would answer MOVED.
      for (const group of groups) await node.mset(...group.keys.flatMap((key) => [key, master]));
    }
    expect(await mgetAcrossSlots(fixture.cluster, keys)).toEqual(keys.map((key) => ownerOf(byMaster, key)));
  });

  it('MGET of 100 keys split per slot answers as one MGET on a single server, in order, nulls included', async () => {
    const keys = Array.from({ length: 100 }, (_, index) => `cache:card:${index}`);
    keys.push('cache:card:5', 'cache:missing', 'cache:card:0');
    const stored = keys.filter((_, index) => index % 3 !== 1);
    for (const key of stored) {
      await fixture.cluster.set(key, `value of ${key}`);
      await single.set(key, `value of ${key}`);
    }
    const expected = await single.mget(...keys);
    expect(expected.filter((value) => value === null).length).toBeGreaterThan(20);
    expect(await mgetAcrossSlots(fixture.cluster, keys)).toEqual(expected);
    expect(await mgetAcrossSlots(single, keys)).toEqual(expected);
    expect(await mgetAcrossSlots(fixture.cluster, [])).toEqual([]);
    expect(await mgetAcrossSlots(fixture.cluster, ['{t}1', '{t}2'])).toEqual([null, null]);
  });

  it('UNLINK split per slot removes exactly the given keys, counts as one UNLINK does, and is idempotent', async () => {
    const keys = Array.from({ length: 120 }, (_, index) => `cache:deck:${index}`);
    for (const key of keys) {
      await fixture.cluster.set(key, 'x');
      await single.set(key, 'x');
    }
    const victims = [...keys.filter((_, index) => index % 2 === 0), 'cache:deck:0', 'cache:absent'];
    const expected = await single.unlink(...victims);
    expect(expected).toBe(60);
    expect(await unlinkAcrossSlots(fixture.cluster, victims)).toBe(expected);
    expect(await unlinkAcrossSlots(fixture.cluster, victims)).toBe(0);
    const left = await mgetAcrossSlots(fixture.cluster, keys);
    expect(left).toEqual(await single.mget(...keys));
    expect(left.filter((value) => value !== null)).toHaveLength(60);
    expect(await unlinkAcrossSlots(single, ['cache:deck:1'])).toBe(1);
  });

  it('with an out-of-date slot map, the slots answered MOVED are sent again through the cluster client', async () => {
    const keys = Array.from({ length: 60 }, (_, index) => `cache:story:${index}`);
    for (const key of keys) await fixture.cluster.set(key, key);
    const moved = groupBySlot(keys)
      .slice(0, 10)
      .map((group) => group.slot);
    const saved = moved.map((slot) => [...(fixture.cluster.slots[slot] ?? [])]);
    const masters = fixture.cluster.nodes('master').map((node) => `${node.options.host}:${node.options.port}`);
    try {
      // Point these slots at a master that does not own them, as a map from before a resharding would.
      moved.forEach(
        (slot, index) =>
          (fixture.cluster.slots[slot] = [masters.find((master) => master !== saved[index]?.[0]) as string]),
      );
      expect(await mgetAcrossSlots(fixture.cluster, keys)).toEqual(keys);
      moved.forEach(
        (slot, index) =>
          (fixture.cluster.slots[slot] = [masters.find((master) => master !== saved[index]?.[0]) as string]),
      );
      expect(await unlinkAcrossSlots(fixture.cluster, keys)).toBe(60);
      expect(await mgetAcrossSlots(fixture.cluster, keys)).toEqual(keys.map(() => null));
    } finally {
      moved.forEach((slot, index) => (fixture.cluster.slots[slot] = saved[index] as string[]));
    }
  });
});

function ownerOf(byMaster: Map<string, { keys: string[] }[]>, key: string): string {
  for (const [master, groups] of byMaster) if (groups.some((group) => group.keys.includes(key))) return master;
  throw new Error(`${key} in no group`);
}
