import type { Redis } from 'ioredis';
import type { RedisServerHandle } from 'cachedrepo/testing';
import { MemoryNotes, newNote, type NoteInstance, openNoteInstance, untilNearHit, useNoteRedis } from './support';
import { until } from '../../support/wait';

// When invalidations may have been lost, the near cache must flush and stay bypassed until
// tracking is re-established: a killed invalidation connection, a killed data connection, a
// hung Redis. Each test changes a note in Redis while the link is broken (so Redis's message
// about it is lost) and checks that no read returns the old title afterwards; then that the
// near cache serves again and that invalidations reach it on the new connections.

/** Client ids of the connections named `name` (CLIENT LIST). */
async function clientIds(raw: Redis, name: string): Promise<string[]> {
  const list = (await raw.client('LIST')) as string;
  return list
    .split('\n')
    .filter((line) => line.includes(` name=${name} `))
    .map((line) => /id=(\d+)/.exec(line)?.[1] as string);
}

describe('near cache when tracking breaks', () => {
  const redis = useNoteRedis();
  let server: RedisServerHandle;
  let raw: Redis;
  let base: MemoryNotes;
  let app: NoteInstance;

  beforeAll(() => ({ server, raw } = redis));
  beforeEach(async () => {
    base = new MemoryNotes();
    // A heartbeat that never gives up on its own: only the staleness bound can stop a hung Redis's near cache.
    app = await openNoteInstance(server.url, base, {
      commandTimeoutMs: 300,
      cache: { nearCache: { maxStalenessMs: 250, heartbeatTimeoutMs: 30_000 } },
    });
    await until(() => app.cache.health().nearCache.tracking === 'active', 5000, 'tracking to be active');
  });
  afterEach(() => app.close());

  /** After the break: no stale read, then the near cache serves again and hears of changes. */
  async function expectRecovered(id: string): Promise<void> {
    expect((await app.notes.findById(id))?.title).toBe('new');
    await until(() => app.cache.health().nearCache.tracking === 'active', 10_000, 'tracking to be re-established');
    expect(await untilNearHit(app, id)).toMatchObject({ title: 'new' });
    base.change(id, { title: 'newer' });
    await raw.del(`cache:note:${id}`);
    await until(
      async () => (await app.notes.findById(id))?.title === 'newer',
      5000,
      'an invalidation on the new connections',
    );
  }

  it('CLIENT KILL of the invalidation connection: flushed and bypassed, then restored', async () => {
    const note = await base.save(newNote('old'));
    await untilNearHit(app, note.id);
    const [subscriber] = await clientIds(raw, 'near-cache-invalidations');
    expect(subscriber).toBeDefined();
    const flushes = app.cache.health().nearCache.flushes;
    await raw.client('KILL', 'ID', subscriber as string);
    // Changed while nobody listens for this process: Redis's message is lost.
    base.change(note.id, { title: 'new' });
    await raw.del(`cache:note:${note.id}`);
    await until(() => app.cache.health().nearCache.flushes > flushes, 5000, 'the near cache to be flushed');
    expect(app.near().entries).toBe(0);
    await expectRecovered(note.id);
    expect(await clientIds(raw, 'near-cache-invalidations')).not.toContain(subscriber);
  });

  it('CLIENT KILL of the data connection: flushed and bypassed, then restored', async () => {
    const note = await base.save(newNote('old'));
    await untilNearHit(app, note.id);
    const [data] = await clientIds(raw, 'cachedrepo');
    const flushes = app.cache.health().nearCache.flushes;
    await raw.client('KILL', 'ID', data as string);
    base.change(note.id, { title: 'new' });
    await raw.del(`cache:note:${note.id}`);
    await until(() => app.cache.health().nearCache.flushes > flushes, 5000, 'the near cache to be flushed');
    await expectRecovered(note.id);
  });

  it(
    'Redis hung (SIGSTOP): the near cache stops serving within maxStalenessMs, so a change it ' +
      'cannot hear of is not served',
    async () => {
      const note = await base.save(newNote('old'));
      await untilNearHit(app, note.id);
      server.signal('SIGSTOP');
      try {
        // The database changes; Redis, hung, cannot tell anyone. Reads must reach the database
        // (the near cache stops, the GET times out) instead of serving 'old' for the entry's TTL.
        base.change(note.id, { title: 'new' });
        // Well within the heartbeat's 30 s: only the 250 ms bound can end it this early.
        await until(
          async () => (await app.notes.findById(note.id))?.title === 'new',
          5000,
          'the near cache to stop serving',
        );
        expect(app.cache.health().nearCache.tracking).toBe('inactive');
      } finally {
        server.signal('SIGCONT');
      }
      // Redis still holds 'old' (the change went behind the cache's back). The near cache kept its
      // entry through the hang (tracking never broke) and may serve again as soon as a PONG comes
      // back, so another client's DEL reaches it only within the cross-process bound: wait for the
      // observable event, the entry leaving the near cache (its invalidation, or a flush), before reading.
      await raw.del(`cache:note:${note.id}`);
      await until(() => app.near().entries === 0, 5000, "the DEL's invalidation to reach the near cache");
      await expectRecovered(note.id);
    },
  );
});
