import type { FailoverMode } from 'cachedrepo/testing';
import { ClusterTracking } from '../../../../src/redis/cluster/cluster-tracking';
import { createDefaultLogger } from '../../../../src/observability/cache-logger';
import { MemoryNotes, newNote, untilNearHit } from '../../near-cache/support';
import {
  openClusterNoteInstance,
  ownerOfNote,
  untilNearActive,
  writeElsewhere,
  type ClusterNoteInstance,
} from './near-cache-support';
import { useRedisCluster } from './support';
import { until } from '../../../support/wait';

/** CACHE_NEAR_CACHE_MAX_STALENESS default: a near-cache hit reflects every change applied this long before it. */
const MAX_STALENESS_MS = 250;

// A master is replaced by its replica: the near caches must flush and stop serving until
// tracking is confirmed on the new master, and serve nothing older than the bound afterwards.
// A crash (the old master's connections close) and a manual failover (the old master stays up
// as a replica, its connections open: only the slot map or its ROLE tells).
describe('near cache on a Redis Cluster through failovers (3 masters, 1 replica each)', () => {
  const fixture = useRedisCluster({ masters: 3, replicasPerMaster: 1 });
  let base: MemoryNotes;
  let writer: ClusterNoteInstance;
  let reader: ClusterNoteInstance;
  let ids: string[];

  beforeAll(async () => {
    base = new MemoryNotes();
    writer = await openClusterNoteInstance(fixture.handle, base);
    reader = await openClusterNoteInstance(fixture.handle, base);
    ids = [];
    const owners = new Map<string, number>();
    while (owners.size < 3 || [...owners.values()].some((count) => count < 5)) {
      const { id } = await base.save(newNote('v0'));
      const owner = ownerOfNote(fixture.cluster, id);
      owners.set(owner, (owners.get(owner) ?? 0) + 1);
      ids.push(id);
    }
  }, 60_000);
  afterAll(async () => {
    await writer?.close();
    await reader?.close();
    writer?.cluster.disconnect();
    reader?.cluster.disconnect();
  });

  async function failoverScenario(shard: number, mode: FailoverMode, round: string): Promise<void> {
    await untilNearActive(reader, 30_000);
    for (const id of ids) await untilNearHit(reader, id, 30_000);
    const flushesBefore = reader.cache.health().nearCache.flushes;
    const old = await fixture.handle.masterOf(shard);
    // Joins the reader's tracking (same cluster client and prefix) to record its state changes, with the masters
    // tracked at each.
    const changes: { active: boolean; masters: string[] }[] = [];
    let tracking: ClusterTracking | null = null;
    const recorder = {
      invalidated: () => undefined,
      activeChanged: (active: boolean) => void changes.push({ active, masters: tracking?.trackedMasters ?? [] }),
    };
    tracking = ClusterTracking.acquire(
      reader.cluster,
      { mode: 'broadcast', prefix: 'cache:', logger: createDefaultLogger() },
      recorder,
    );
    expect(tracking).not.toBeNull();

    // The reader reads every note in a loop; each read is recorded with when it started.
    const reads: { id: string; started: number; title: string | undefined }[] = [];
    let running = true;
    const loop = (async () => {
      while (running) {
        for (const id of ids) {
          const started = performance.now();
          const note = await reader.notes.findById(id);
          reads.push({ id, started, title: note?.title });
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    const before = changes.length;
    try {
      await fixture.handle.failover(shard, mode);
      const promoted = await fixture.handle.masterOf(shard);
      expect(`${promoted.host}:${promoted.port}`).not.toBe(`${old.host}:${old.port}`);
      await until(
        () => reader.cache.health().nearCache.flushes > flushesBefore,
        30_000,
        'the near cache to be flushed by the failover',
      );
      await untilNearActive(reader, 30_000);
      await untilNearActive(writer, 30_000);

      // Writes after the failover, on every master (the promoted one included).
      const completed = new Map<string, number>();
      for (const id of ids) {
        await writeElsewhere(writer.cluster, base, id, round);
        completed.set(id, performance.now());
      }
      await until(
        () =>
          ids.every((id) =>
            reads.some(
              (read) => read.id === id && read.started > (completed.get(id) as number) && read.title === round,
            ),
          ),
        30_000,
        'the reader to see every write',
      );
      // The near cache serves the promoted master's keys again.
      const onPromoted = ids.filter((id) => ownerOfNote(reader.cluster, id) === `${promoted.host}:${promoted.port}`);
      expect(onPromoted.length).toBeGreaterThan(0);
      for (const id of onPromoted) await untilNearHit(reader, id, 30_000);
      running = false;
      await loop;

      // Tracking stopped, was confirmed again only with one tracking per master, and is now on the promoted master, not
      // the old one.
      await until(() => tracking?.active === true, 30_000, 'tracking to be active');
      const since = changes.slice(before);
      expect(since.some((change) => !change.active)).toBe(true);
      for (const change of since.filter((each) => each.active)) expect(change.masters).toHaveLength(3);
      expect(since.at(-1)?.active).toBe(true);
      expect(since.at(-1)?.masters).toContain(`${promoted.host}:${promoted.port}`);
      expect(since.at(-1)?.masters).not.toContain(`${old.host}:${old.port}`);
      const stale = reads.filter(
        (read) => read.started > (completed.get(read.id) ?? Infinity) + MAX_STALENESS_MS && read.title !== round,
      );
      expect(stale).toEqual([]);
      for (const id of ids) expect((await reader.notes.findById(id))?.title).toBe(round);
    } finally {
      running = false;
      await loop;
      tracking?.release(recorder);
    }
  }

  it(
    'a crash: flushes and bypasses until the promoted master is tracked, then serves nothing older than the bound',
    () => failoverScenario(0, 'crash', 'after-crash'),
    120_000,
  );

  it(
    'a manual failover (the old master stays up as a replica): the same',
    () => failoverScenario(1, 'manual', 'after-manual'),
    120_000,
  );
});
