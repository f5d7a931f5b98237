import { Redis } from 'ioredis';
import { NearCachePeers } from 'cachedrepo';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';
import {
  commandCalls,
  MemoryNotes,
  Money,
  newNote,
  type Note,
  type NoteInstance,
  noteStrategy,
  openNoteInstance,
  untilNearHit,
  useNoteRedis,
} from './support';
import { until } from '../../support/wait';

// The near cache in one process against a real redis-server: what it serves, that every copy
// is the caller's own, and that every way a key changes in Redis reaches it (REDIS_CACHE.md,
// "Near cache"). Changes made behind the cache's back (`base.change`) show whether a read was
// served from a dropped entry: only a read of the stale entry returns the old title.

describe('near cache', () => {
  const redis = useNoteRedis();
  let server: RedisServerHandle;
  let raw: Redis;
  let base: MemoryNotes;
  let app: NoteInstance;

  beforeAll(() => ({ server, raw } = redis));
  beforeEach(async () => {
    base = new MemoryNotes();
    app = await openNoteInstance(server.url, base);
    await until(() => app.cache.health().nearCache.tracking === 'active', 5000, 'tracking to be active');
  });
  afterEach(() => app.close());

  it('serves a read from memory once a Redis hit filled it: no GET is sent', async () => {
    const note = await base.save(newNote('first'));
    expect(await untilNearHit(app, note.id)).toStrictEqual(note);
    const gets = await commandCalls(raw, 'get');
    const hits = app.near().hits;
    expect(await app.notes.findById(note.id)).toStrictEqual(note);
    expect(app.near().hits).toBe(hits + 1);
    expect(await commandCalls(raw, 'get')).toBe(gets);
    expect(app.notes.getCacheStats().errors).toBe(0);
  });

  it(
    'hands every caller its own copy: mutating fields, arrays, nested objects, Dates or value ' +
      'objects changes no later read',
    async () => {
      const note = await base.save(newNote('pristine'));
      await untilNearHit(app, note.id);
      const mutate = (got: Note | null): void => {
        const n = got as Note;
        n.title = 'mutated';
        n.tags.push('z');
        n.meta.owner.name = 'Mallory';
        n.meta.views = 99;
        n.createdAt.setFullYear(1999);
        (n.price as { amount: number }).amount = 0;
      };
      // A near-cache hit.
      mutate(await app.notes.findById(note.id));
      expect(await app.notes.findById(note.id)).toStrictEqual(note);
      // Readers sharing one GET (a batch), with and without the near cache.
      app.cache.clearNearCaches();
      const shared = await Promise.all([
        app.notes.findById(note.id),
        app.notes.findById(note.id),
        app.notes.findById(note.id),
      ]);
      shared.forEach(mutate);
      expect(await app.notes.findById(note.id)).toStrictEqual(note);
      // Waiters of one load (a cold key read by three callers at once).
      await app.notes.invalidateCache(note.id);
      const loaded = await Promise.all([
        app.notes.findById(note.id),
        app.notes.findById(note.id),
        app.notes.findById(note.id),
      ]);
      expect(new Set(loaded).size).toBe(3);
      loaded.forEach(mutate);
      expect(await untilNearHit(app, note.id)).toStrictEqual(note);
      // A list (query) and findByIds.
      mutate((await app.notes.findByTag('a'))[0] as Note);
      mutate((await app.notes.findByIds([note.id]))[0] as Note);
      expect(await app.notes.findByTag('a')).toStrictEqual([note]);
      expect(await app.notes.findByIds([note.id])).toStrictEqual([note]);
    },
  );

  it('rebuilds value objects on every hit through their codec (a new instance each time)', async () => {
    const note = await base.save(newNote('priced'));
    const first = await untilNearHit(app, note.id);
    const second = await app.notes.findById(note.id);
    expect(second?.price).toBeInstanceOf(Money);
    expect(second?.price).not.toBe(first.price);
    expect(second).toStrictEqual(note);
  });

  it('a write in this process is seen by the very next read', async () => {
    const note = await base.save(newNote('before'));
    await untilNearHit(app, note.id);
    await app.notes.update(note.id, { title: 'after' });
    expect((await app.notes.findById(note.id))?.title).toBe('after');
    expect((await app.notes.findByTag('a')).map((n) => n.title)).toEqual(['after']);
  });

  it('a write through another CacheService sharing its NearCachePeers is seen by the very next read', async () => {
    const peers = new NearCachePeers();
    const reader = await openNoteInstance(server.url, base, { cache: { nearCache: { peers } } });
    const writer = await openNoteInstance(server.url, base, { cache: { nearCache: { enabled: false, peers } } });
    try {
      await until(() => reader.cache.health().nearCache.tracking === 'active', 5000, 'tracking to be active');
      expect(peers.size).toBe(2);
      for (const round of [1, 2, 3]) {
        const note = await base.save(newNote('before'));
        await untilNearHit(reader, note.id);
        await writer.notes.update(note.id, { title: `after ${round}` });
        expect((await reader.notes.findById(note.id))?.title).toBe(`after ${round}`);
      }
    } finally {
      await writer.close();
      await reader.close();
    }
    expect(peers.size).toBe(0);
  });

  it(
    'CacheServices of one process are linked only by a NearCachePeers they share: no process-wide ' +
      'registry of near caches',
    async () => {
      // Another Redis, same prefix: Redis never tells `reader` of these writes, so only a link
      // between the services (or a process-wide registry, which issue 16 removed) drops its entry.
      const elsewhere = await startRedisServer();
      const peers = new NearCachePeers();
      const reader = await openNoteInstance(server.url, base, { cache: { nearCache: { peers } } });
      const unlinked = await openNoteInstance(elsewhere.url, base);
      const linked = await openNoteInstance(elsewhere.url, base, { cache: { nearCache: { enabled: false, peers } } });
      const nearHitOnNextRead = async (id: string): Promise<boolean> => {
        const hits = reader.near().hits;
        await reader.notes.findById(id);
        return reader.near().hits === hits + 1;
      };
      try {
        const note = await base.save(newNote('before'));
        await untilNearHit(reader, note.id);
        await unlinked.notes.update(note.id, { title: 'unlinked' });
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(await nearHitOnNextRead(note.id)).toBe(true);
        await linked.notes.update(note.id, { title: 'linked' });
        expect(await nearHitOnNextRead(note.id)).toBe(false);
      } finally {
        await Promise.all([reader.close(), unlinked.close(), linked.close()]);
        await elsewhere.stop();
      }
    },
  );

  const changedBehindTheCache = async (what: string, change: (note: Note) => Promise<unknown>): Promise<void> => {
    const note = await base.save(newNote('old'));
    await untilNearHit(app, note.id);
    base.change(note.id, { title: 'new' });
    await change(note);
    await until(
      async () => (await app.notes.findById(note.id))?.title === 'new',
      5000,
      `${what} to reach the near cache`,
    );
  };

  it('a DEL by another client reaches the near cache', async () => {
    await changedBehindTheCache('DEL', (note) => raw.del(`cache:note:${note.id}`));
  });

  it('a SET by another client reaches the near cache', async () => {
    await changedBehindTheCache('SET', (note) => raw.set(`cache:note:${note.id}`, 'overwritten'));
  });

  it('FLUSHALL reaches the near cache', async () => {
    await changedBehindTheCache('FLUSHALL', () => raw.flushall());
  });

  it(
    'expiry of the key in Redis reaches the near cache, whose entry would otherwise live for ' + 'the full TTL',
    async () => {
      const note = await base.save(newNote('old'));
      await untilNearHit(app, note.id);
      // PEXPIRE changes the key (dropping the entry); the next Redis hit fills it again for up to 60 s.
      await raw.pexpire(`cache:note:${note.id}`, 1000);
      await untilNearHit(app, note.id);
      base.change(note.id, { title: 'new' });
      const invalidations = app.near().invalidations;
      await until(
        async () => (await app.notes.findById(note.id))?.title === 'new',
        5000,
        'expiry to reach the near cache',
      );
      expect(app.near().invalidations).toBeGreaterThan(invalidations);
    },
  );

  it('a restart of Redis empties the near cache, which serves again once Redis is validated', async () => {
    const note = await base.save(newNote('old'));
    await untilNearHit(app, note.id);
    base.change(note.id, { title: 'new' });
    await server.restart();
    raw.disconnect();
    // The fixture's connection too: it is the one disconnected after the file.
    raw = redis.raw = new Redis(server.url);
    await until(
      async () => (await app.notes.findById(note.id))?.title === 'new',
      10_000,
      'the restart to empty the near cache',
    );
    await until(() => app.cache.health().nearCache.tracking === 'active', 10_000, 'tracking to be active again');
    expect(await untilNearHit(app, note.id)).toMatchObject({ title: 'new' });
  });
});

describe('near-cache bounds', () => {
  let server: RedisServerHandle;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(() => server.stop());

  it('keeps at most maxEntries, dropping the least recently used', async () => {
    const base = new MemoryNotes();
    const app = await openNoteInstance(server.url, base, { strategy: noteStrategy({ nearCache: { maxEntries: 3 } }) });
    try {
      await until(() => app.cache.health().nearCache.tracking === 'active', 5000, 'tracking to be active');
      const notes = await Promise.all([1, 2, 3, 4, 5].map((i) => base.save(newNote(`n${i}`))));
      for (const note of notes) await untilNearHit(app, note.id);
      const stats = app.cache.health().nearCache.caches[0];
      expect(stats?.entries).toBe(3);
      expect(stats?.evictions).toBeGreaterThanOrEqual(2);
      // The most recent ones are kept.
      const hits = app.near().hits;
      await app.notes.findById((notes[4] as Note).id);
      expect(app.near().hits).toBe(hits + 1);
    } finally {
      await app.close();
    }
  });

  it('keeps no entry larger than maxBytes', async () => {
    const base = new MemoryNotes();
    const app = await openNoteInstance(server.url, base, {
      strategy: noteStrategy({ nearCache: { maxEntries: 10, maxBytes: 2048 } }),
    });
    try {
      await until(() => app.cache.health().nearCache.tracking === 'active', 5000, 'tracking to be active');
      const note = await base.save({ ...newNote('big'), title: 'x'.repeat(4000) });
      for (let i = 0; i < 5; i += 1) expect(await app.notes.findById(note.id)).toStrictEqual(note);
      expect(app.near()).toMatchObject({ hits: 0, entries: 0 });
    } finally {
      await app.close();
    }
  });

  it('serves an entry no longer than its ttlSeconds', async () => {
    const base = new MemoryNotes();
    const app = await openNoteInstance(server.url, base, {
      strategy: noteStrategy({ nearCache: { maxEntries: 10, ttlSeconds: 1 } }),
    });
    try {
      await until(() => app.cache.health().nearCache.tracking === 'active', 5000, 'tracking to be active');
      const note = await base.save(newNote('short'));
      await untilNearHit(app, note.id);
      const filledAt = Date.now();
      const fills = app.near().fills;
      // Once the entry expired, a read goes to Redis and fills it again.
      await until(
        async () => (await app.notes.findById(note.id)) !== null && app.near().fills > fills,
        5000,
        'the entry to expire',
      );
      expect(Date.now() - filledAt).toBeGreaterThanOrEqual(900);
    } finally {
      await app.close();
    }
  });

  it('is off when the service disables near caches, and for strategies without one', async () => {
    const base = new MemoryNotes();
    const off = await openNoteInstance(server.url, base, { cache: { nearCache: false } });
    const none = await openNoteInstance(server.url, base, { strategy: noteStrategy({ nearCache: undefined }) });
    try {
      const note = await base.save(newNote('plain'));
      for (const instance of [off, none]) {
        for (let i = 0; i < 3; i += 1) expect(await instance.notes.findById(note.id)).toStrictEqual(note);
        expect(instance.cache.health().nearCache).toMatchObject({ tracking: 'off', caches: [] });
        expect(instance.notes.getCacheStats().hits).toBeGreaterThan(0);
      }
    } finally {
      await off.close();
      await none.close();
    }
  });
});
