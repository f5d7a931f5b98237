import type { Redis } from 'ioredis';
import type { CacheService } from 'cachedrepo';
import { MemoryNotes, newNote, untilNearHit } from '../../near-cache/support';
import { until } from '../../../support/wait';
import {
  nodeConnection,
  openClusterNoteInstance,
  ownerOfNote,
  untilNearActive,
  writeElsewhere,
  type ClusterNoteInstance,
} from './near-cache-support';
import { useRedisCluster } from './support';

/** Milliseconds within which the near caches must serve again after one master's subscriber was reset. */
const RECOVERY_MS = 10_000;

/**
 * The invalidation subscriber on master `owner` of `cache`'s cluster tracking (private: reached through the
 * internals, to stop reading from it as a stalled connection would).
 */
function subscriberOn(cache: CacheService, owner: string): Redis {
  const tracking = (cache as unknown as { near: { tracking: { masters: Map<string, { subscriber: Redis }> } } }).near
    .tracking;
  const master = tracking.masters.get(owner);
  if (!master) throw new Error(`no tracking on ${owner}`);
  return master.subscriber;
}

// On a cluster every master has its own subscriber and BCAST tracking connection
// (cluster/cluster-tracking.ts). Only one master's subscriber is reset, by CLIENT KILL or by a
// heartbeat timeout (it stops reading): the near caches must stop serving, never return what a
// write made while nobody listened replaced, and serve again within a bound.
describe('cluster near cache after one subscriber is reset (3 masters)', () => {
  const fixture = useRedisCluster({ masters: 3 });
  let base: MemoryNotes;
  let app: ClusterNoteInstance;

  beforeEach(async () => {
    await Promise.all(fixture.cluster.nodes('master').map((node) => node.flushall()));
    base = new MemoryNotes();
    app = await openClusterNoteInstance(fixture.handle, base);
    await untilNearActive(app);
  }, 60_000);
  afterEach(async () => {
    await app?.close();
    app?.cluster.disconnect();
  });

  it.each([
    [
      'CLIENT KILL',
      async (owner: string): Promise<void> => {
        const node = nodeConnection(fixture.cluster, owner);
        const list = (await node.client('LIST')) as string;
        const ids = list
          .split('\n')
          .filter((line) => line.includes(' name=near-cache-invalidations '))
          .map((line) => /id=(\d+)/.exec(line)?.[1] as string);
        expect(ids).toHaveLength(1);
        await node.client('KILL', 'ID', ids[0] as string);
      },
    ],
    [
      'a heartbeat timeout (the subscriber stops reading)',
      async (owner: string): Promise<void> => void subscriberOn(app.cache, owner).stream.pause(),
    ],
  ])(
    '%s of one master: flushed, never stale, then served again',
    async (_name, reset) => {
      const note = await base.save(newNote('old'));
      const owner = ownerOfNote(fixture.cluster, note.id);
      await untilNearHit(app, note.id, 20_000);
      const flushes = app.cache.health().nearCache.flushes;
      await reset(owner);
      await writeElsewhere(fixture.cluster, base, note.id, 'new');
      await until(() => app.cache.health().nearCache.flushes > flushes, 5000, 'the near caches to be flushed');
      let stale = 0;
      await until(
        async () => {
          if ((await app.notes.findById(note.id))?.title !== 'new') stale += 1;
          return app.cache.health().nearCache.tracking === 'active';
        },
        RECOVERY_MS,
        'tracking to be re-established on every master',
      );
      expect(stale).toBe(0);
      await untilNearHit(app, note.id, 20_000);
      expect((await app.notes.findById(note.id))?.title).toBe('new');
      await writeElsewhere(fixture.cluster, base, note.id, 'newer');
      await until(async () => (await app.notes.findById(note.id))?.title === 'newer', 5000, 'an invalidation');
      const warned = (text: string): number =>
        app.logger.lines.filter((line) => line.level === 'warn' && line.message.includes(text)).length;
      expect(warned('CLIENT TRACKING failed')).toBe(0);
      // A reset is one warning (throttled: at most one per 5 s), a CLIENT KILL none (the connection closed: info).
      expect(warned('Invalidation subscriber reset')).toBe(_name === 'CLIENT KILL' ? 0 : 1);
    },
    60_000,
  );
});
