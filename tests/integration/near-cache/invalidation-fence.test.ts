import { execFileSync } from 'node:child_process';
import type { RedisServerHandle } from 'cachedrepo/testing';
import { createCacheService, loadCacheSettings } from 'cachedrepo/settings';
import type { TrackingMode } from '../../../src/near-cache/client-tracking';
import { MemoryNotes, newNote, type NoteInstance, openNoteInstance, untilNearHit, useNoteRedis } from './support';
import { until } from '../../support/wait';

// The invalidation fence against a real redis-server: another process's write returns while this process's event loop
// is busy, so Redis's invalidation waits unread in this process's socket; a read that starts right after must not be
// answered from the near cache before that socket is read (REDIS_CACHE.md, section 11). The other process is
// redis-cli, which sends the write's UNLINK as a writing CacheService would; `execFileSync` blocks this event loop
// from before it starts until after it exited. The database is changed behind the cache first (`base.change`), so
// only a read of the stale near-cache entry returns the old title.

describe('near cache: the invalidation fence', () => {
  const redis = useNoteRedis();
  let server: RedisServerHandle;
  const opened: NoteInstance[] = [];

  beforeAll(() => ({ server } = redis));
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((instance) => instance.close()));
  });

  async function open(base: MemoryNotes, invalidationFence: boolean, trackingMode: TrackingMode = 'default') {
    const instance = await openNoteInstance(server.url, base, {
      cache: { nearCache: { invalidationFence, trackingMode } },
    });
    opened.push(instance);
    await until(() => instance.cache.health().nearCache.tracking === 'active', 5000, 'tracking to be active');
    return instance;
  }

  /** redis-cli, run while this process's event loop is blocked; its reply. */
  function redisCli(...args: string[]): string {
    return execFileSync('redis-cli', ['-u', server.url, ...args], { encoding: 'utf8' });
  }

  /**
   * Another process updates `id` (database, then UNLINK of its keys) and returns, while this event loop is blocked;
   * then reads start here at once, before any poll phase. Their titles.
   */
  async function readsRightAfterOtherProcessWrite(app: NoteInstance, base: MemoryNotes, id: string, reads = 5) {
    base.change(id, { title: 'new' });
    redisCli('UNLINK', `cache:note:${id}`, 'cache:note:tag:a');
    // Redis wrote the invalidation to this process's subscriber socket: no reply is left in its output buffer.
    const subscribers = redisCli('CLIENT', 'LIST', 'TYPE', 'pubsub').trim().split('\n');
    for (const subscriber of subscribers) expect(subscriber).toMatch(/ obl=0 oll=0 /);
    const started = Array.from({ length: reads }, () => app.notes.findById(id));
    return (await Promise.all(started)).map((note) => note?.title);
  }

  it.each<TrackingMode>(['default', 'broadcast'])(
    '%s tracking: a read started after another process’s write returned is fresh with the fence, stale without',
    async (mode) => {
      const base = new MemoryNotes();
      const fenced = await open(base, true, mode);
      const unfenced = await open(base, false, mode);
      const note = await base.save(newNote('old'));
      const other = await base.save(newNote('old'));

      await untilNearHit(fenced, note.id);
      expect(await readsRightAfterOtherProcessWrite(fenced, base, note.id)).toEqual(Array(5).fill('new'));
      const health = fenced.cache.health().nearCache;
      // The hits found the entry, waited for one shared fence, and found it dropped: they went to Redis.
      expect(health.caches[0]?.fencedMisses).toBe(5);
      expect(health.fence?.waits).toBeGreaterThanOrEqual(5);

      await untilNearHit(unfenced, other.id);
      // The same sequence without the fence: the hits are answered from memory before the invalidation is read.
      expect(await readsRightAfterOtherProcessWrite(unfenced, base, other.id)).toEqual(Array(5).fill('old'));
      expect(unfenced.cache.health().nearCache.fence).toBeNull();
      // Once the event loop has polled, the invalidation is applied there too.
      await new Promise((resolve) => setImmediate(resolve));
      expect((await unfenced.notes.findById(other.id))?.title).toBe('new');
    },
  );

  it("a write through another CacheService (no peers) is seen by the reader's next read", async () => {
    const base = new MemoryNotes();
    const reader = await open(base, true);
    const writer = await open(base, true);
    const note = await base.save(newNote('v0'));
    const stale: string[] = [];
    for (let version = 1; version <= 30; version += 1) {
      await untilNearHit(reader, note.id);
      await writer.notes.update(note.id, { title: `v${version}` });
      // In the continuation of the write's last reply (a poll phase): the reader's socket may not have been read yet,
      // and Redis may even not have written the invalidation yet when it wrote the UNLINK's reply.
      const seen = (await reader.notes.findById(note.id))?.title;
      if (seen !== `v${version}`) stale.push(`${seen} after v${version}`);
    }
    expect(stale).toEqual([]);
    expect(reader.cache.health().nearCache.fence?.fences).toBeGreaterThan(0);
  });

  it('a hit with nothing changed waits for the fence and is served from the near cache', async () => {
    const base = new MemoryNotes();
    const app = await open(base, true);
    const note = await base.save(newNote('kept'));
    await untilNearHit(app, note.id);
    const before = app.near().hits;
    const titles = await Promise.all(Array.from({ length: 20 }, () => app.notes.findById(note.id)));
    expect(titles.map((found) => found?.title)).toEqual(Array(20).fill('kept'));
    expect(app.near().hits).toBe(before + 20);
    expect(app.cache.health().nearCache.caches[0]?.fencedMisses).toBe(0);
  });

  it.each([
    ['unset', undefined, true],
    ['false', 'false', false],
  ])('CACHE_NEAR_CACHE_FENCE %s reaches the service built from the settings', async (_what, value, on) => {
    const settings = loadCacheSettings({
      REDIS_URL: server.url,
      CACHE_NEAR_CACHE_ENABLED: 'true',
      ...(value !== undefined && { CACHE_NEAR_CACHE_FENCE: value }),
    });
    const cache = createCacheService(settings);
    try {
      expect(cache?.health().nearCache.fence !== null).toBe(on);
    } finally {
      await cache?.close();
    }
  });
});
