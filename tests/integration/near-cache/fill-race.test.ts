import type { Redis } from 'ioredis';
import type { RedisServerHandle } from 'cachedrepo/testing';
import {
  commandCalls,
  MemoryNotes,
  newNote,
  type NoteInstance,
  openNoteInstance,
  untilNearHit,
  useNoteRedis,
} from './support';
import { until } from '../../support/wait';

// The fill race of client-side caching: the GET's reply comes on the data connection, the
// invalidation of a change made just after Redis served that GET comes on the other
// connection, and may be read first. Here it is made to happen every time: the data
// connection's socket stops being read while the GET is in flight, the change is made and its
// invalidation received, then the socket is read again. The read may return what its GET saw
// (it began before the change), but the near cache must not keep it.

describe('near cache: an invalidation between a GET and its reply', () => {
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

  /** Starts a read of `id` whose reply is held until `change` has run and its invalidation arrived. */
  async function readAcrossChange(id: string, change: () => Promise<unknown>): Promise<unknown> {
    const messages = app.cache.health().nearCache.messages;
    const gets = await commandCalls(raw, 'get');
    app.redis.stream.pause();
    const read = app.notes.findById(id);
    try {
      // Redis has served the GET (the reply waits in the paused socket)...
      await until(async () => (await commandCalls(raw, 'get')) > gets, 5000, 'Redis to serve the GET');
      await change();
      // ...and the invalidation of the change has been received on the other connection.
      await until(() => app.cache.health().nearCache.messages > messages, 5000, 'the invalidation to arrive');
    } finally {
      app.redis.stream.resume();
    }
    return read;
  }

  it('a change by another client: the fill is cancelled and the next read is fresh', async () => {
    const note = await base.save(newNote('old'));
    await untilNearHit(app, note.id);
    // Emptied, so the next read sends a GET (and takes a fill ticket).
    app.cache.clearNearCaches();
    const cancelled = app.near().cancelledFills;
    const seen = await readAcrossChange(note.id, async () => {
      base.change(note.id, { title: 'new' });
      await raw.del(`cache:note:${note.id}`);
    });
    expect(seen).toMatchObject({ title: 'old' });
    expect(app.near().cancelledFills).toBe(cancelled + 1);
    expect(app.near().entries).toBe(0);
    expect((await app.notes.findById(note.id))?.title).toBe('new');
  });

  it('a FLUSHALL: the fill is cancelled and the next read is fresh', async () => {
    const note = await base.save(newNote('old'));
    await untilNearHit(app, note.id);
    app.cache.clearNearCaches();
    const seen = await readAcrossChange(note.id, async () => {
      base.change(note.id, { title: 'new' });
      await raw.flushall();
    });
    expect(seen).toMatchObject({ title: 'old' });
    expect(app.near().entries).toBe(0);
    expect((await app.notes.findById(note.id))?.title).toBe('new');
  });
});
