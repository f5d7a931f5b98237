import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  CachedRepository,
  CacheService,
  createRedisClient,
  defineCacheStrategy,
  waitUntilReady,
  type BeforeImageRepository,
  type EntityChanges,
  type NewEntity,
} from 'cachedrepo';
import { type EntityChange } from '../../../src/repository/repository';
import { type StoreOutcome } from '../../../src/protocol/cache-service';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';
import { MemoryLogger } from '../../support/cache';
import { until } from '../../support/wait';

// The read path the near cache shares with every read: a miss's caller gets its value as soon
// as it is loaded, and the store under the lease finishes behind it. Readers that join the load
// accept its value only if that store succeeds, which proves no write's invalidation reached
// the key between the lease and the store. That proves nothing about a write whose UNLINK came
// after the store: so no reader may join once the store has been sent. Here a store's reply is
// held (the command runs in Redis at once; only its answer reaches the reader late) while
// another instance writes, then a new read starts: it must not be answered with the load from
// before the write.

interface Note {
  readonly id: string;
  title: string;
}

class MemoryNotes implements BeforeImageRepository<Note> {
  readonly notes = new Map<string, Note>();
  async findById(id: string): Promise<Note | null> {
    const note = this.notes.get(id);
    return note ? { ...note } : null;
  }
  async findByIds(ids: readonly string[]): Promise<Note[]> {
    return [...new Set(ids)].flatMap((id) => (this.notes.has(id) ? [{ ...(this.notes.get(id) as Note) }] : []));
  }
  async findAll(): Promise<Note[]> {
    return [...this.notes.values()].map((note) => ({ ...note }));
  }
  async save(input: NewEntity<Note>): Promise<Note> {
    const note = { ...input, id: input.id ?? randomUUID() } as Note;
    this.notes.set(note.id, note);
    return { ...note };
  }
  async update(id: string, changes: EntityChanges<Note>): Promise<Note> {
    return (await this.updateReturningBeforeImage(id, changes)).after;
  }
  // Reads and writes with no await in between: in memory, that is the update's transaction.
  async updateReturningBeforeImage(id: string, changes: EntityChanges<Note>): Promise<EntityChange<Note>> {
    const before = this.notes.get(id) as Note;
    const note = { ...before, ...changes };
    this.notes.set(id, note);
    return { before: { ...before }, after: { ...note } };
  }
  async delete(id: string): Promise<Note | null> {
    const note = this.notes.get(id) ?? null;
    this.notes.delete(id);
    return note;
  }
}

const strategy = defineCacheStrategy<Note>({
  entityType: 'note',
  namespaces: ['note'],
  ttlSeconds: 60,
  entityKey: (id) => `note:${id}`,
  keysOf: (note) => [`note:${note.id}`],
});

async function openCache(url: string): Promise<CacheService> {
  const redis = createRedisClient({ url, commandTimeoutMs: 2000 });
  await waitUntilReady(redis, 3000);
  const cache = new CacheService(redis, { logger: new MemoryLogger(), nearCache: false });
  await cache.waitUntilReady(3000);
  return cache;
}

describe('joining a load', () => {
  let server: RedisServerHandle;
  let raw: Redis;
  const caches: CacheService[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
    raw = new Redis(server.url);
  });
  afterAll(async () => {
    await Promise.all(caches.map((cache) => cache.close()));
    raw.disconnect();
    await server.stop();
  });

  it('a read that starts after a write never joins a load whose store was already sent', async () => {
    const base = new MemoryNotes();
    const [reading, writing] = [await openCache(server.url), await openCache(server.url)];
    caches.push(reading, writing);
    // The reading instance's store replies are held until the test lets them through.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const store = reading.storeLeased.bind(reading);
    reading.storeLeased = (...args): Promise<StoreOutcome> => {
      const outcome = store(...args);
      return held.then(() => outcome);
    };
    const reader = CachedRepository.wrap(base, strategy, reading);
    const writer = CachedRepository.wrap(base, strategy, writing);
    const note = await base.save({ title: 'v0' });

    // A miss: v0 loaded and returned; its store is sent, and runs in Redis...
    expect(await reader.findById(note.id)).toEqual({ id: note.id, title: 'v0' });
    await until(
      async () => !((await raw.get(`cache:note:${note.id}`)) ?? '\u0000').startsWith('\u0000'),
      5000,
      'the store to run',
    );
    // ...then a write in another instance completes (its UNLINK removes the stored v0).
    await writer.update(note.id, { title: 'v1' });
    expect(await raw.exists(`cache:note:${note.id}`)).toBe(0);

    // A read that starts now misses (while the store's answer is still held); it must load v1,
    // not join the load of v0.
    const later = reader.findById(note.id);
    await until(() => reader.getCacheStats().misses >= 2, 5000, 'the second read to miss');
    release();
    expect(await later).toEqual({ id: note.id, title: 'v1' });
  });
});
