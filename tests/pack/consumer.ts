import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { container } from 'tsyringe';
import {
  CacheService,
  createRedisClient,
  defineCacheStrategy,
  defineKeySchema,
  isCached,
  type BeforeImageRepository,
  type EntityChanges,
  type NewEntity,
  type Repository,
} from 'cachedrepo';
import { registerRepositories, repositoryRegistration } from 'cachedrepo/tsyringe';
import { runStrategyConformance, startRedisServer } from 'cachedrepo/testing';

interface Note {
  readonly id: string;
  topic: string;
  text: string;
  pinned: boolean;
  at: Date;
}
interface NoteRepository extends Repository<Note> {
  findByTopic(topic: string): Promise<Note[]>;
}
// An update reads and writes with no await in between: in memory, that is its transaction.
class MemoryNotes implements NoteRepository, BeforeImageRepository<Note> {
  readonly rows = new Map<string, Note>();
  topicReads = 0;
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
    this.topicReads += 1;
    return [...this.rows.values()].filter((note) => note.topic === topic);
  }
  async save(input: NewEntity<Note>) {
    const note = { ...input, id: input.id ?? `n${this.rows.size + 1}` };
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
    const old = this.rows.get(id) ?? null;
    this.rows.delete(id);
    return old;
  }
}
const keys = defineKeySchema({ byId: 'note:{id}', byTopic: 'note:topic:{topic}', all: 'note:all' });
const strategy = defineCacheStrategy<Note, NoteRepository>({
  entityType: 'note',
  namespaces: [keys.$namespace],
  ttlSeconds: 60,
  entityKey: (id) => keys.byId({ id }),
  queries: { findAll: { key: () => keys.all() }, findByTopic: { key: (topic) => keys.byTopic({ topic }) } },
  keysOf: (note) => [keys.byId({ id: note.id }), keys.byTopic({ topic: note.topic })],
  alwaysAffected: [keys.all()],
});
runStrategyConformance(
  { describe, it },
  {
    strategy,
    samples: [{ id: 'n1', topic: 'redis', text: 'hi', pinned: true, at: new Date(0) }],
    holding: { findAll: () => [], findByTopic: (note) => [note.topic] },
  },
);
void it('serves a cached repository from the container', async () => {
  const server = await startRedisServer();
  const cache = new CacheService(createRedisClient({ url: server.url }));
  try {
    const plain = new MemoryNotes();
    registerRepositories(container, cache, [
      repositoryRegistration({ entityType: 'note', token: 'NoteRepository', plain, strategy }),
    ]);
    const notes = container.resolve<NoteRepository>('NoteRepository');
    assert.ok(isCached(notes) && (await cache.waitUntilReady(5000)));
    await notes.save({ topic: 'redis', text: 'hi', pinned: false, at: new Date() });
    assert.equal((await notes.findByTopic('redis')).length, (await notes.findByTopic('redis')).length);
    assert.equal(plain.topicReads, 1);
  } finally {
    await cache.close();
    await server.stop();
  }
});
