// REDIS_CACHE.md "Use it in your own application", as a test: every TypeScript block of that section is a part of
// this file, in the same order (tests/unit/docs/own-app-guide.test.ts checks it), and scripts/check-pack.sh installs
// the packed library into an empty project and runs this file there under node:test. Its base keeps notes in memory;
// the section's Prisma part runs in tests/example/integration/extension/new-entity-prisma.test.ts.
import assert from 'node:assert/strict';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';

import { defineCacheStrategy, defineKeySchema, type Repository } from 'cachedrepo';

export interface Note {
  readonly id: string;
  topic: string;
  text: string;
  createdAt: Date;
}
export interface NoteRepository extends Repository<Note> {
  findByTopic(topic: string): Promise<Note[]>;
}

export const noteKeys = defineKeySchema({ byId: 'note:{id}', byTopic: 'note:topic:{topic}', all: 'note:all' });

export const noteCacheStrategy = (ttlSeconds: number) =>
  defineCacheStrategy<Note, NoteRepository>({
    entityType: 'note',
    namespaces: [noteKeys.$namespace],
    ttlSeconds,
    entityKey: (id) => noteKeys.byId({ id }),
    queries: {
      findAll: { key: () => noteKeys.all() },
      findByTopic: { key: (topic) => noteKeys.byTopic({ topic }) },
    },
    keysOf: (note) => [noteKeys.byId({ id: note.id }), noteKeys.byTopic({ topic: note.topic })],
    alwaysAffected: [noteKeys.all()],
  });

import type { BeforeImageRepository, EntityChanges, NewEntity } from 'cachedrepo';

// No await between an update's read and its write: in memory, that is its transaction.
export class MemoryNoteRepository implements NoteRepository, BeforeImageRepository<Note> {
  private readonly rows = new Map<string, Note>();
  async findById(id: string) {
    return this.rows.get(id) ?? null;
  }
  async findByIds(ids: readonly string[]) {
    return ids.flatMap((id) => this.rows.get(id) ?? []);
  }
  async findAll() {
    return [...this.rows.values()];
  }
  async findByTopic(topic: string) {
    return [...this.rows.values()].filter((note) => note.topic === topic);
  }
  async save(input: NewEntity<Note>) {
    const note: Note = { ...input, id: input.id ?? crypto.randomUUID(), createdAt: new Date() };
    this.rows.set(note.id, note);
    return note;
  }
  async update(id: string, changes: EntityChanges<Note>) {
    return (await this.updateReturningBeforeImage(id, changes)).after;
  }
  async updateReturningBeforeImage(id: string, changes: EntityChanges<Note>) {
    const before = this.rows.get(id);
    if (!before) throw new Error(`no note ${id}`);
    const after = { ...before, ...changes };
    this.rows.set(id, after);
    return { before, after };
  }
  async delete(id: string) {
    const deleted = this.rows.get(id) ?? null;
    this.rows.delete(id);
    return deleted;
  }
}

import { CachedRepository, CacheService, createRedisClient } from 'cachedrepo';

// Settings in code, no container: the cached repository is the base's own interface plus getCacheStats and
// invalidateCache.
export function connectNotes(redisUrl: string) {
  const cache = new CacheService(createRedisClient({ url: redisUrl }), { keyPrefix: 'myapp' });
  const notes = CachedRepository.wrap(new MemoryNoteRepository(), noteCacheStrategy(600), cache);
  return { cache, notes }; // at shutdown: await cache.close()
}

import 'reflect-metadata'; // before tsyringe, once, in the application's entry file
import { container, type InjectionToken } from 'tsyringe';
import { createCacheService, loadCacheSettings } from 'cachedrepo/settings';
import { registerRepositories, repositoryRegistration } from 'cachedrepo/tsyringe';

export const NOTE_REPOSITORY: InjectionToken<NoteRepository> = Symbol('NoteRepository');

// Settings from the environment, a container: at start-up, once.
export function registerDataAccess() {
  const settings = loadCacheSettings(); // process.env (section 7); a ConfigError names every invalid variable
  const cache = createCacheService(settings); // null when REDIS_ENABLED=false
  registerRepositories(
    container,
    cache,
    [
      repositoryRegistration({
        entityType: 'note',
        token: NOTE_REPOSITORY,
        plain: new MemoryNoteRepository(),
        strategy: noteCacheStrategy(settings.cache.defaultTtlSeconds),
      }),
    ],
    settings.cache.disabledEntities, // CACHE_DISABLED_ENTITIES=note serves notes uncached
  );
  return cache; // at shutdown: await cache?.close()
}

import { isCached } from 'cachedrepo';

export async function firstReadAndWrite() {
  const notes = container.resolve(NOTE_REPOSITORY); // cached or plain, as configured: callers cannot tell
  const note = await notes.save({ topic: 'redis', text: 'first' });
  const missed = await notes.findByTopic('redis'); // a miss: read from the base, then stored in Redis
  const hit = await notes.findByTopic('redis'); // a hit: from Redis
  await notes.update(note.id, { topic: 'cache' }); // clears note:{id}, note:all, note:topic:redis, note:topic:cache
  const moved = await notes.findByTopic('redis'); // [], from the base again
  return { note, missed, hit, moved, stats: isCached(notes) ? notes.getCacheStats() : null };
}

import { describe, it } from 'node:test'; // or jest's or vitest's
import { runStrategyConformance } from 'cachedrepo/testing';

runStrategyConformance(
  { describe, it },
  {
    strategy: noteCacheStrategy(60),
    samples: [{ id: 'n1', topic: 'redis', text: 'first', createdAt: new Date(0) }],
    holding: { findAll: () => [], findByTopic: (note) => [note.topic] },
  },
);

// The test of the section's code (not in the guide): each wiring on a redis-server of its own.
async function withRedis(run: (redisUrl: string) => Promise<void>): Promise<void> {
  const server: RedisServerHandle = await startRedisServer();
  try {
    await run(server.url);
  } finally {
    await server.stop();
  }
}

void it('settings in code, no container: CachedRepository.wrap serves a hit', () =>
  withRedis(async (redisUrl) => {
    const { cache, notes } = connectNotes(redisUrl);
    try {
      assert.ok(await cache.waitUntilReady(5000));
      const note = await notes.save({ topic: 'redis', text: 'first' });
      assert.deepEqual(await notes.findById(note.id), note);
      assert.deepEqual(await notes.findById(note.id), note);
      assert.deepEqual(
        { hits: notes.getCacheStats().hits, misses: notes.getCacheStats().misses },
        { hits: 1, misses: 1 },
      );
    } finally {
      await cache.close();
    }
  }));

void it('settings from the environment, registerRepositories: the first cached read and write', () =>
  withRedis(async (redisUrl) => {
    process.env.REDIS_URL = redisUrl;
    const cache = registerDataAccess();
    try {
      assert.ok(cache && (await cache.waitUntilReady(5000)));
      const { note, missed, hit, moved, stats } = await firstReadAndWrite();
      assert.deepEqual(missed, [note]);
      assert.deepEqual(hit, [note]);
      assert.deepEqual(moved, []);
      assert.equal(stats?.misses, 2, 'the first findByTopic and the one after the update');
      assert.equal(stats?.hits, 1);
    } finally {
      await cache?.close();
    }
  }));

void it('REDIS_ENABLED=false and CACHE_DISABLED_ENTITIES=note resolve the plain repository', async () => {
  for (const env of [
    { REDIS_ENABLED: 'false' },
    { REDIS_URL: 'redis://127.0.0.1:1', CACHE_DISABLED_ENTITIES: 'note' },
  ]) {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    const cache = registerDataAccess();
    try {
      assert.ok(container.resolve(NOTE_REPOSITORY) instanceof MemoryNoteRepository);
      const { moved, stats } = await firstReadAndWrite();
      assert.deepEqual([moved, stats], [[], null]);
    } finally {
      process.env = saved;
      await cache?.close();
    }
  }
});
