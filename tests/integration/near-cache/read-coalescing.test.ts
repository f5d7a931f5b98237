import type { Redis } from 'ioredis';
import type { RedisServerHandle } from 'cachedrepo/testing';
import {
  commandCalls,
  MemoryNotes,
  newNote,
  type NoteInstance,
  noteStrategy,
  openNoteInstance,
  useNoteRedis,
} from './support';

// Concurrent Redis hits of one process are coalesced (read-batcher.ts): the reads asked for in
// one tick are one GET (one key) or one MGET, and readers of one key share one GET and one
// decode, each getting its own copy. The rule that keeps this consistent: only reads not yet
// sent are joined, so a read that starts after a write in this process returned is never
// answered by a GET sent before the write. These run without a near cache: the Redis path.

describe('coalesced Redis reads', () => {
  const redis = useNoteRedis(['--enable-debug-command', 'yes']);
  let server: RedisServerHandle;
  let raw: Redis;
  let base: MemoryNotes;
  let app: NoteInstance;

  beforeAll(() => ({ server, raw } = redis));
  beforeEach(async () => {
    base = new MemoryNotes();
    app = await openNoteInstance(server.url, base, {
      strategy: noteStrategy({ nearCache: undefined }),
      commandTimeoutMs: 5000,
    });
  });
  afterEach(() => app.close());

  it('64 concurrent reads of one cached key are one GET, and each caller gets its own copy', async () => {
    const note = await base.save(newNote('hot'));
    await app.notes.findById(note.id); // miss: fills Redis
    await app.cache.storesSettled(); // its store, sent behind the caller, counts a GET (inside its script)
    const gets = await commandCalls(raw, 'get');
    const loads = base.loads;
    const results = await Promise.all(Array.from({ length: 64 }, () => app.notes.findById(note.id)));
    expect(await commandCalls(raw, 'get')).toBe(gets + 1);
    expect(base.loads).toBe(loads);
    for (const result of results) expect(result).toStrictEqual(note);
    expect(new Set(results).size).toBe(64);
    // Mutating one caller's copy (fields, arrays, nested objects, Dates) changes no other's.
    const [first, second] = results as [NonNullable<(typeof results)[0]>, NonNullable<(typeof results)[0]>];
    first.title = 'mutated';
    first.tags.push('x');
    first.meta.owner.name = 'mutated';
    first.createdAt.setFullYear(1999);
    expect(second).toStrictEqual(note);
  });

  it('64 concurrent reads of 64 keys are one MGET', async () => {
    const notes = await Promise.all(Array.from({ length: 64 }, (_, i) => base.save(newNote(`n${i}`))));
    for (const note of notes) await app.notes.findById(note.id);
    await app.cache.storesSettled();
    const [gets, mgets] = [await commandCalls(raw, 'get'), await commandCalls(raw, 'mget')];
    const results = await Promise.all(notes.map((note) => app.notes.findById(note.id)));
    expect(results).toStrictEqual(notes);
    expect(await commandCalls(raw, 'mget')).toBe(mgets + 1);
    expect(await commandCalls(raw, 'get')).toBe(gets);
  });

  it(
    'a read that starts after a write in this process returned is never answered by a read ' + 'sent before it',
    async () => {
      const note = await base.save(newNote('old'));
      await app.notes.findById(note.id); // cached as 'old'
      const gets = await commandCalls(raw, 'get');
      // Redis busy for 300 ms: the first read's GET waits in Redis, and the write's UNLINK behind it.
      const busy = raw.call('DEBUG', 'SLEEP', '0.3');
      await new Promise((resolve) => setImmediate(resolve));
      const before = app.notes.findById(note.id);
      // Its GET is sent at the end of this tick (the batch): only then does the write start.
      await new Promise((resolve) => setImmediate(resolve));
      const written = await app.notes.update(note.id, { title: 'new' });
      expect(written.title).toBe('new');
      const after = await app.notes.findById(note.id);
      await busy;
      // Not vacuous: the earlier read was answered from Redis before the write reached it...
      expect((await before)?.title).toBe('old');
      // ...and the later one did not share its GET: it read after the write.
      expect(after?.title).toBe('new');
      expect(await commandCalls(raw, 'get')).toBeGreaterThanOrEqual(gets + 2);
    },
  );
});
