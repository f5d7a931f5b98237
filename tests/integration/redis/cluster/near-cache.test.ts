import { writeFileSync } from 'node:fs';
import { MemoryNotes, newNote, untilNearHit } from '../../near-cache/support';
import {
  nodeConnection,
  openClusterNoteInstance,
  ownerOfNote,
  untilNearActive,
  writeElsewhere,
  type ClusterNoteInstance,
} from './near-cache-support';
import { useRedisCluster } from './support';
import { until } from '../../../support/wait';

async function getCalls(node: { info(section: string): Promise<string> }): Promise<number> {
  const line = (await node.info('commandstats')).split('\n').find((row) => row.startsWith('cmdstat_get:'));
  return Number(/calls=(\d+)/.exec(line ?? '')?.[1] ?? 0);
}

// Near caches on a real cluster of 3 masters: tracking in broadcast mode on every master
// (cluster/cluster-tracking.ts). Two CacheServices with their own cluster clients stand for
// two application processes sharing one database (the same MemoryNotes).
describe('near cache on a Redis Cluster (3 masters)', () => {
  const fixture = useRedisCluster({ masters: 3 });
  let base: MemoryNotes;
  let writer: ClusterNoteInstance;
  let reader: ClusterNoteInstance;
  /** Ids of notes, at least 3 on every master. */
  let ids: string[];

  beforeEach(async () => {
    await Promise.all(fixture.cluster.nodes('master').map((node) => node.flushall()));
    base = new MemoryNotes();
    writer = await openClusterNoteInstance(fixture.handle, base, 5000);
    reader = await openClusterNoteInstance(fixture.handle, base, 5000);
    const perMaster = new Map<string, number>();
    ids = [];
    while (perMaster.size < 3 || [...perMaster.values()].some((count) => count < 3)) {
      const { id } = await base.save(newNote('v0'));
      const owner = ownerOfNote(fixture.cluster, id);
      perMaster.set(owner, (perMaster.get(owner) ?? 0) + 1);
      ids.push(id);
    }
    await untilNearActive(reader);
    await untilNearActive(writer);
  }, 60_000);
  afterEach(async () => {
    await writer?.close();
    await reader?.close();
    writer?.cluster.disconnect();
    reader?.cluster.disconnect();
  });

  it('a write by another process reaches the near caches, on keys of every master', async () => {
    expect(reader.cache.health().nearCache.mode).toBe('broadcast');
    const delays: number[] = [];
    for (let round = 1; round <= 3; round += 1) {
      for (const id of ids) await untilNearHit(reader, id, 20_000);
      for (const id of ids) {
        await writeElsewhere(fixture.cluster, base, id, `v${round}`);
        const written = performance.now();
        // Polled as fast as the near cache answers: the delay until the other process stops serving the old value.
        await until(
          async () => (await reader.notes.findById(id))?.title === `v${round}`,
          20_000,
          `note ${id} to be v${round} in the other service`,
        );
        delays.push(performance.now() - written);
      }
    }
    expect(reader.near().invalidations).toBeGreaterThanOrEqual(ids.length * 3);
    // Every value served from now on is the last one written.
    for (const id of ids) expect((await reader.notes.findById(id))?.title).toBe('v3');
    if (process.env.NEAR_CLUSTER_MEASURE) {
      const sorted = [...delays].sort((a, b) => a - b);
      const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
      writeFileSync(
        process.env.NEAR_CLUSTER_MEASURE,
        JSON.stringify({ samples: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted.at(-1) }),
      );
    }
  });

  it('a DEL on a master, and a FLUSHALL of one master, reach the near cache', async () => {
    for (const id of ids) await untilNearHit(reader, id, 20_000);
    const [first, ...rest] = ids as [string, ...string[]];
    // DEL sent to the owning master alone, behind the cache's back, with a changed database.
    base.change(first, { title: 'deleted' });
    await nodeConnection(fixture.cluster, ownerOfNote(fixture.cluster, first)).del(`cache:note:${first}`);
    await until(
      async () => (await reader.notes.findById(first))?.title === 'deleted',
      20_000,
      'the DEL to reach the near cache',
    );

    const owner = ownerOfNote(fixture.cluster, rest[0] as string);
    const onOwner = rest.filter((id) => ownerOfNote(fixture.cluster, id) === owner);
    for (const id of onOwner) base.change(id, { title: 'flushed' });
    await fixture.handle.nodes.find((node) => `${node.host}:${node.port}` === owner)?.command('FLUSHALL');
    for (const id of onOwner)
      await until(
        async () => (await reader.notes.findById(id))?.title === 'flushed',
        20_000,
        `FLUSHALL of ${owner} to reach note ${id}`,
      );
  });

  it('the fill race: an invalidation received between a GET and its reply cancels the fill', async () => {
    for (const id of ids) {
      await untilNearHit(reader, id, 20_000);
      reader.cache.clearNearCaches();
      const owner = ownerOfNote(fixture.cluster, id);
      const node = nodeConnection(reader.cluster, owner);
      const probe = nodeConnection(fixture.cluster, owner);
      const messages = reader.cache.health().nearCache.messages;
      const cancelled = reader.near().cancelledFills;
      const gets = await getCalls(probe);
      const oldTitle = (base.notes.get(id) as { title: string }).title;
      node.stream.pause();
      const read = reader.notes.findById(id);
      try {
        await until(async () => (await getCalls(probe)) > gets, 20_000, 'the master to serve the GET');
        base.change(id, { title: `raced ${id}` });
        await probe.del(`cache:note:${id}`);
        await until(() => reader.cache.health().nearCache.messages > messages, 20_000, 'the invalidation to arrive');
      } finally {
        node.stream.resume();
      }
      expect(await read).toMatchObject({ title: oldTitle });
      expect(reader.near().cancelledFills).toBe(cancelled + 1);
      expect((await reader.notes.findById(id))?.title).toBe(`raced ${id}`);
    }
  });
  it(
    "a master's invalidation or tracking connection killed: flushed and bypassed, then tracked " + 'again and fresh',
    async () => {
      for (const name of ['near-cache-invalidations', 'near-cache-tracking']) {
        for (const id of ids) await untilNearHit(reader, id, 20_000);
        const flushes = reader.cache.health().nearCache.flushes;
        const owner = ownerOfNote(fixture.cluster, ids[0] as string);
        // Every connection of that name on the master (the writer's too): CLIENT KILL by name is not a filter, so
        // by id.
        const node = nodeConnection(fixture.cluster, owner);
        const list = String(await node.client('LIST'));
        const victims = list
          .split('\n')
          .filter((line) => line.includes(` name=${name} `))
          .map((line) => /\bid=(\d+)/.exec(line)?.[1] as string);
        expect(victims.length).toBeGreaterThan(0);
        for (const id of victims) await node.client('KILL', 'ID', id);
        await until(
          () => reader.cache.health().nearCache.flushes > flushes,
          20_000,
          `the loss of ${name} to flush the near cache`,
        );
        await untilNearActive(reader);
        // Filled again, so that only invalidations through the new tracking can make the next reads fresh.
        for (const id of ids) await untilNearHit(reader, id, 20_000);
        for (const id of ids) await writeElsewhere(fixture.cluster, base, id, `after ${name}`);
        for (const id of ids)
          await until(
            async () => (await reader.notes.findById(id))?.title === `after ${name}`,
            20_000,
            `note ${id} to be fresh after ${name} was killed`,
          );
        for (const id of ids) await untilNearHit(reader, id, 20_000);
      }
    },
  );
  it(
    'concurrent writes and reads in both services: no read that starts more than the bound ' +
      'after a completed write returns an older version',
    async () => {
      /** CACHE_NEAR_CACHE_MAX_STALENESS default. */
      const boundMs = 250;
      const versions = new Map<string, number>(ids.map((id) => [id, 0]));
      const completed: { id: string; version: number; at: number }[] = [];
      const reads: { id: string; started: number; version: number }[] = [];
      const pick = (): string => ids[Math.floor(Math.random() * ids.length)] as string;
      const deadline = performance.now() + 3000;
      // Writes of other processes (through the raw cluster client), and of each service itself.
      // One write at a time per note: two concurrent updates of one id may reach the database in
      // either order, and a correct read of the one that landed last would look stale.
      const writingIds = new Set<string>();
      const writing = async (instance: ClusterNoteInstance | null): Promise<void> => {
        while (performance.now() < deadline) {
          const id = pick();
          if (!writingIds.has(id)) {
            writingIds.add(id);
            try {
              const version = (versions.get(id) as number) + 1;
              versions.set(id, version);
              if (instance) await instance.notes.update(id, { title: `v${version}` });
              else await writeElsewhere(fixture.cluster, base, id, `v${version}`);
              completed.push({ id, version, at: performance.now() });
            } finally {
              writingIds.delete(id);
            }
          }
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      };
      const reading = async (instance: ClusterNoteInstance): Promise<void> => {
        while (performance.now() < deadline) {
          const id = pick();
          const started = performance.now();
          const note = await instance.notes.findById(id);
          reads.push({ id, started, version: Number(note?.title.slice(1)) });
        }
      };
      await Promise.all([
        writing(null),
        writing(null),
        writing(writer),
        reading(reader),
        reading(writer),
        reading(reader),
      ]);
      expect(completed.length).toBeGreaterThan(10);
      expect(reader.near().hits).toBeGreaterThan(0);
      const stale = reads.filter((read) =>
        completed.some(
          (write) => write.id === read.id && write.at + boundMs < read.started && write.version > read.version,
        ),
      );
      expect(stale).toEqual([]);
      // And once the writes are over, both services converge on the last versions.
      for (const id of ids)
        for (const instance of [writer, reader])
          await until(
            async () => (await instance.notes.findById(id))?.title === `v${versions.get(id) as number}`,
            20_000,
            `note ${id} to converge`,
          );
    },
  );
});
