import { migrateSlot, type RedisClusterNodeHandle } from 'cachedrepo/testing';
import { keySlot } from '../../../../src/redis/cluster/key-slot';
import { CachedRepository, CacheService } from 'cachedrepo';
import { MemoryLogger } from '../../../support/cache';
import {
  MemoryNotes,
  newNote,
  noteStrategy,
  type Note,
  type NoteRepository,
  untilNearHit,
} from '../../near-cache/support';
import {
  openClusterNoteInstance,
  untilNearActive,
  writeElsewhere,
  type ClusterNoteInstance,
} from './near-cache-support';
import { connectCluster, useRedisCluster } from './support';
import { until } from '../../../support/wait';

/** How many times `command` ran on `node` (INFO commandstats). */
async function commandCalls(node: RedisClusterNodeHandle, command: string): Promise<number> {
  return Number(
    new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(String(await node.command('INFO', 'commandstats')))?.[1] ?? 0,
  );
}

const nodeKey = (node: RedisClusterNodeHandle): string => `${node.host}:${node.port}`;

/**
 * `count` note ids whose keys all hash to one slot, away from the first slot of any shard (the test handle names shards
 * by it).
 */
function idsInOneSlot(count: number, tag: string): { slot: number; ids: string[] } {
  const bySlot = new Map<number, string[]>();
  for (let index = 0; ; index += 1) {
    const id = `${tag}-${index}`;
    const slot = keySlot(`cache:note:${id}`);
    if (slot === 0 || slot === 5461 || slot === 10922) continue;
    const ids = [...(bySlot.get(slot) ?? []), id];
    if (ids.length === count) return { slot, ids };
    bySlot.set(slot, ids);
  }
}

interface Load {
  completed: { id: string; version: number; at: number }[];
  reads: { id: string; started: number; version: number }[];
  stop(): Promise<void>;
}

/**
 * Reads and writes on `ids` until stopped: writes through `writers` (a cache service's update)
 * or, for `null`, as another process would (database change + UNLINK through `raw`'s cluster).
 * Titles are `v<version>`; versions increase per id, in the order the database receives them.
 */
function runLoad(
  base: MemoryNotes,
  ids: readonly string[],
  writers: (ClusterNoteInstance | null)[],
  readers: ClusterNoteInstance[],
  raw: ClusterNoteInstance,
): Load {
  const versions = new Map<string, number>(ids.map((id) => [id, 0]));
  const load: Load = { completed: [], reads: [], stop: async () => undefined };
  let running = true;
  const pick = (): string => ids[Math.floor(Math.random() * ids.length)] as string;
  // One write at a time per id: two concurrent writes of one id may reach the database in
  // either order (an update awaits before it writes), and the versions would no longer say
  // which one the database holds last.
  const writing = new Set<string>();
  const write = async (instance: ClusterNoteInstance | null): Promise<void> => {
    while (running) {
      const id = pick();
      if (writing.has(id)) continue;
      writing.add(id);
      const version = (versions.get(id) as number) + 1;
      versions.set(id, version);
      if (instance) await instance.notes.update(id, { title: `v${version}` });
      else await writeElsewhere(raw.cluster, base, id, `v${version}`);
      load.completed.push({ id, version, at: performance.now() });
      writing.delete(id);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  const reading = async (instance: ClusterNoteInstance): Promise<void> => {
    while (running) {
      const id = pick();
      const started = performance.now();
      const note = await instance.notes.findById(id);
      load.reads.push({ id, started, version: Number(note?.title.slice(1)) });
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const all = Promise.all([...writers.map(write), ...readers.map(reading)]);
  load.stop = async () => {
    running = false;
    await all;
  };
  return load;
}

/** Reads that started more than `boundMs` after a completed write of their id and returned an older version. */
function staleReads(load: Load, boundMs: number): Load['reads'] {
  return load.reads.filter((read) =>
    load.completed.some(
      (write) => write.id === read.id && write.at + boundMs < read.started && write.version > read.version,
    ),
  );
}

/** Waits until `count` more operations (reads and writes) on `ids` have completed. */
async function untilProgress(load: Load, ids: readonly string[], count: number): Promise<void> {
  const on = (): number =>
    load.reads.filter((read) => ids.includes(read.id)).length +
    load.completed.filter((write) => ids.includes(write.id)).length;
  const target = on() + count;
  await until(() => on() >= target, 20_000, `${count} operations on the migrating slot`);
}

// A hash slot holding cached keys moves between two live masters (the commands of a
// resharding, testing/redis-cluster-resharding.ts) while two cache services read and write
// them: -ASK while the slot is split, -MOVED after. Both masters stay validated (same run_id),
// so the slot map names no unvalidated master and trust is never withdrawn for good.
describe('resharding: a slot with cached keys moves between live masters under load (3 masters)', () => {
  const fixture = useRedisCluster({ masters: 3 });
  let base: MemoryNotes;
  const instances: ClusterNoteInstance[] = [];

  beforeEach(() => {
    base = new MemoryNotes();
  });
  afterEach(async () => {
    for (const instance of instances.splice(0)) {
      await instance.close();
      instance.cluster.disconnect();
    }
  });

  async function open(nearCache: boolean): Promise<ClusterNoteInstance> {
    // The shared opener always turns near caches on; without them, the same instance by hand.
    const instance = nearCache
      ? await openClusterNoteInstance(fixture.handle, base, 5000)
      : await openPlainInstance(base);
    instances.push(instance);
    return instance;
  }

  async function openPlainInstance(notesBase: MemoryNotes): Promise<ClusterNoteInstance> {
    const cluster = await connectCluster(fixture.handle, { commandTimeoutMs: 5000 });
    const logger = new MemoryLogger();
    const cache = new CacheService(cluster, { logger, circuitBreaker: { probeIntervalMs: 100 } });
    const notes = CachedRepository.wrap<Note, NoteRepository>(notesBase, noteStrategy(), cache);
    expect(await cache.waitUntilReady(20_000)).toBe(true);
    const none = { hits: 0, entries: 0, fills: 0, cancelledFills: 0, invalidations: 0 };
    return { cluster, cache, logger, notes, near: () => none, close: () => cache.close() };
  }

  /** Saves `ids` (and `others` on other slots) as v0 and returns the slot's owner and another master. */
  async function prepare(
    slot: number,
    ids: readonly string[],
    others: readonly string[],
  ): Promise<{ from: RedisClusterNodeHandle; to: RedisClusterNodeHandle }> {
    for (const id of [...ids, ...others]) await base.save({ ...newNote('v0'), id });
    const owner = fixture.cluster.slots[slot]?.[0];
    const masters = await Promise.all([0, 1, 2].map((shard) => fixture.handle.masterOf(shard)));
    const from = masters.find((node) => nodeKey(node) === owner) as RedisClusterNodeHandle;
    const to = masters.find((node) => node !== from) as RedisClusterNodeHandle;
    expect(from).toBeDefined();
    return { from, to };
  }

  /**
   * Waits until `instance`'s client maps `slot` to `to`, its cache is trusted, and `id` is served from Redis (no
   * database load).
   */
  async function untilServedFromRedisAfterMove(
    instance: ClusterNoteInstance,
    slot: number,
    to: RedisClusterNodeHandle,
    id: string,
  ): Promise<void> {
    await until(
      async () => {
        await instance.notes.findById(id);
        return instance.cluster.slots[slot]?.[0] === nodeKey(to);
      },
      20_000,
      `the client to map slot ${slot} to ${nodeKey(to)}`,
    );
    await until(
      async () => {
        if (instance.cache.health().breaker !== 'closed') return false;
        await instance.notes.findById(id);
        const loads = base.loads;
        await instance.notes.findById(id);
        return base.loads === loads;
      },
      20_000,
      `note ${id} to be served from Redis after the move (breaker ${instance.cache.health().breaker})`,
    );
  }

  it(
    'cache services: no read after a completed write returns older data, and the cache is ' +
      'trusted and used after the move',
    async () => {
      // Twelve notes of one slot: six under load, six only cached (their entries must travel with the slot).
      const { slot, ids: all } = idsInOneSlot(12, 'moving');
      const ids = all.slice(0, 6);
      const cold = all.slice(6);
      const others = ['other-a', 'other-b', 'other-c'];
      const { from, to } = await prepare(slot, all, others);
      const one = await open(false);
      const two = await open(false);
      for (const id of all) await one.notes.findById(id);
      expect(Number(await from.command('CLUSTER', 'COUNTKEYSINSLOT', String(slot)))).toBeGreaterThanOrEqual(all.length);

      const load = runLoad(base, [...ids, ...others], [one, two, null], [one, two, one, two], one);
      let stopped = false;
      try {
        const { moved } = await migrateSlot(fixture.handle, slot, from, to, {
          batchSize: 2,
          whileMigrating: () => untilProgress(load, ids, 30),
        });
        expect(moved).toBeGreaterThanOrEqual(cold.length);
        // The split window was exercised: clients followed -ASK to the destination.
        expect(await commandCalls(to, 'asking')).toBeGreaterThan(0);
        await untilProgress(load, ids, 60);
        await load.stop();
        stopped = true;
      } finally {
        if (!stopped) await load.stop();
      }

      expect(load.completed.filter((write) => ids.includes(write.id)).length).toBeGreaterThan(20);
      expect(staleReads(load, 0)).toEqual([]);
      expect(Number(await to.command('CLUSTER', 'COUNTKEYSINSLOT', String(slot)))).toBeGreaterThan(0);
      expect(Number(await from.command('CLUSTER', 'COUNTKEYSINSLOT', String(slot)))).toBe(0);
      // Trusted again and used: the redirections did not leave the breaker open.
      for (const instance of [one, two]) await untilServedFromRedisAfterMove(instance, slot, to, ids[0] as string);
      // The migrated entries are used: no cold note is loaded from the database again.
      const loads = base.loads;
      for (const id of cold)
        for (const instance of [one, two]) expect((await instance.notes.findById(id))?.title).toBe('v0');
      expect(base.loads).toBe(loads);
      // And every value read now is the last one written.
      for (const id of ids)
        for (const instance of [one, two])
          expect((await instance.notes.findById(id))?.title).toBe((base.notes.get(id) as { title: string }).title);
    },
  );

  it('near caches: flushed when the slot map changes, fresh during and after the move', async () => {
    const { slot, ids } = idsInOneSlot(6, 'near');
    const { from, to } = await prepare(slot, ids, ['near-other']);
    const writer = await open(true);
    const reader = await open(true);
    await untilNearActive(reader);
    await untilNearActive(writer);
    for (const id of ids) await untilNearHit(reader, id, 20_000);
    const flushes = reader.cache.health().nearCache.flushes;

    const load = runLoad(base, [...ids, 'near-other'], [writer, null], [reader, writer, reader], writer);
    let stopped = false;
    try {
      await migrateSlot(fixture.handle, slot, from, to, {
        batchSize: 2,
        whileMigrating: () => untilProgress(load, ids, 30),
      });
      await untilProgress(load, ids, 60);
      await load.stop();
      stopped = true;
    } finally {
      if (!stopped) await load.stop();
    }
    /** CACHE_NEAR_CACHE_MAX_STALENESS default: another process's write may be served this long. */
    expect(staleReads(load, 250)).toEqual([]);

    await until(
      () => reader.cache.health().nearCache.flushes > flushes,
      20_000,
      'the slot-map change to flush the near cache',
    );
    await untilServedFromRedisAfterMove(reader, slot, to, ids[0] as string);
    await untilNearActive(reader);
    // Serves from the near cache again, and sees later writes by another process through the new owner's tracking.
    for (const id of ids) await untilNearHit(reader, id, 20_000);
    for (const id of ids) await writeElsewhere(writer.cluster, base, id, 'after the move');
    for (const id of ids)
      await until(
        async () => (await reader.notes.findById(id))?.title === 'after the move',
        20_000,
        `note ${id} to be fresh after the move`,
      );
    for (const id of ids) await untilNearHit(reader, id, 20_000);
    expect((await reader.notes.findById(ids[0] as string))?.title).toBe('after the move');
  });
});
