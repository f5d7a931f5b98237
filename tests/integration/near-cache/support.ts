import { randomUUID } from 'node:crypto';
import { Redis as IORedis, type Redis } from 'ioredis';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';
import {
  CachedRepository,
  CacheService,
  createRedisClient,
  createSuperjsonSerializer,
  defineCacheStrategy,
  valueObjectCodec,
  waitUntilReady,
  type Cached,
  type CacheServiceOptions,
  type NearCacheOptions,
} from 'cachedrepo';
import { EntityNotFoundError } from '../../../src/errors';
import type { BeforeImageRepository, EntityChanges, NewEntity, Repository } from 'cachedrepo';
import type { EntityChange } from '../../../src/repository/repository';
import { MemoryLogger } from '../../support/cache';
import { until } from '../../support/wait';

/** A value object: only its codec rebuilds it (so a near-cache hit decodes it again). */
export class Money {
  constructor(
    readonly amount: number,
    readonly currency: string,
  ) {}
}

/** A test entity with every kind of field a caller could mutate. */
export interface Note {
  readonly id: string;
  title: string;
  tag: string;
  tags: string[];
  meta: { views: number; owner: { name: string } };
  price: Money | null;
  createdAt: Date;
}

export interface NoteRepository extends Repository<Note> {
  findByTag(tag: string): Promise<Note[]>;
}

/** A note repository a cached repository accepts: its updates return the state they replaced. */
export type NoteBase = NoteRepository & BeforeImageRepository<Note>;

const clone = (note: Note): Note => ({
  ...note,
  tags: [...note.tags],
  meta: { views: note.meta.views, owner: { ...note.meta.owner } },
  price: note.price && new Money(note.price.amount, note.price.currency),
  createdAt: new Date(note.createdAt),
});

/**
 * Notes in memory: every call returns fresh copies, and counts loads. `change` edits a note behind the cache's back (as
 * a migration would). An update reads and writes with no `await` in between (its transaction, in memory).
 */
export class MemoryNotes implements NoteRepository, BeforeImageRepository<Note> {
  readonly notes = new Map<string, Note>();
  loads = 0;

  async findById(id: string): Promise<Note | null> {
    this.loads += 1;
    const note = this.notes.get(id);
    return note ? clone(note) : null;
  }
  async findByIds(ids: readonly string[]): Promise<Note[]> {
    this.loads += 1;
    return [...new Set(ids)].flatMap((id) => (this.notes.has(id) ? [clone(this.notes.get(id) as Note)] : []));
  }
  async findAll(): Promise<Note[]> {
    return [...this.notes.values()].map(clone);
  }
  async findByTag(tag: string): Promise<Note[]> {
    this.loads += 1;
    return [...this.notes.values()].filter((note) => note.tag === tag).map(clone);
  }
  async save(input: NewEntity<Note>): Promise<Note> {
    const note = clone({
      ...input,
      id: input.id ?? randomUUID(),
      createdAt: new Date('2026-01-02T03:04:05.678Z'),
    } as Note);
    this.notes.set(note.id, note);
    return clone(note);
  }
  async update(id: string, changes: EntityChanges<Note>): Promise<Note> {
    return clone(this.change(id, changes));
  }
  async updateReturningBeforeImage(id: string, changes: EntityChanges<Note>): Promise<EntityChange<Note>> {
    const before = this.notes.get(id);
    if (!before) throw new EntityNotFoundError('note', id);
    return { before: clone(before), after: clone(this.change(id, changes)) };
  }
  async delete(id: string): Promise<Note | null> {
    const note = this.notes.get(id) ?? null;
    this.notes.delete(id);
    return note;
  }
  /** Changes a note without telling any cache. */
  change(id: string, changes: EntityChanges<Note>): Note {
    const note = { ...(this.notes.get(id) as Note), ...changes };
    this.notes.set(id, note);
    return note;
  }
}

export const moneyCodec = valueObjectCodec<Money, [number, string]>({
  name: 'Money',
  isApplicable: (value): value is Money => value instanceof Money,
  toPlain: (money) => [money.amount, money.currency],
  fromPlain: ([amount, currency]) => new Money(amount, currency),
});

/** The note strategy, with a near cache (`nearCache`, default 100 entries) and TTL `ttlSeconds` (default 60). */
export function noteStrategy(options: { nearCache?: NearCacheOptions | undefined; ttlSeconds?: number } = {}) {
  return defineCacheStrategy<Note, NoteRepository>({
    entityType: 'note',
    namespaces: ['note'],
    ttlSeconds: options.ttlSeconds ?? 60,
    serializer: createSuperjsonSerializer([moneyCodec]),
    entityKey: (id) => `note:${id}`,
    queries: { findByTag: { key: (tag) => `note:tag:${tag}` } },
    keysOf: (note) => [`note:${note.id}`, `note:tag:${note.tag}`],
    nearCache: 'nearCache' in options ? options.nearCache : { maxEntries: 100 },
  });
}

/**
 * One application instance: its own connection, CacheService (near caches on, fast heartbeat) and cached note
 * repository.
 */
export interface NoteInstance {
  redis: Redis;
  cache: CacheService;
  logger: MemoryLogger;
  notes: Cached<NoteRepository>;
  /** Near-cache counters of the note cache. */
  near(): { hits: number; entries: number; fills: number; cancelledFills: number; invalidations: number };
  close(): Promise<void>;
}

export async function openNoteInstance(
  url: string,
  base: NoteBase,
  options: { strategy?: ReturnType<typeof noteStrategy>; cache?: CacheServiceOptions; commandTimeoutMs?: number } = {},
): Promise<NoteInstance> {
  const redis = createRedisClient({ url, commandTimeoutMs: options.commandTimeoutMs ?? 1000, connectTimeoutMs: 500 });
  redis.on('error', () => undefined);
  await waitUntilReady(redis, 3000);
  const logger = new MemoryLogger();
  const cache = new CacheService(redis, {
    logger,
    circuitBreaker: { probeIntervalMs: 100 },
    nearCache: true,
    ...options.cache,
  });
  const notes = CachedRepository.wrap<Note, NoteRepository>(base, options.strategy ?? noteStrategy(), cache);
  await cache.waitUntilReady(3000);
  const near = () => {
    const stats = cache.health().nearCache.caches.find((c) => c.entityType === 'note');
    return {
      hits: stats?.hits ?? 0,
      entries: stats?.entries ?? 0,
      fills: stats?.fills ?? 0,
      cancelledFills: stats?.cancelledFills ?? 0,
      invalidations: stats?.invalidations ?? 0,
    };
  };
  return { redis, cache, logger, notes, near, close: () => cache.close() };
}

/**
 * Reads `id` until a read is answered by the near cache (a miss stores in the background, then a Redis hit fills it).
 */
export async function untilNearHit(
  instance: Pick<NoteInstance, 'near' | 'notes'>,
  id: string,
  timeoutMs = 5000,
): Promise<Note> {
  let note: Note | null = null;
  await until(
    async () => {
      const before = instance.near().hits;
      note = await instance.notes.findById(id);
      return instance.near().hits > before;
    },
    timeoutMs,
    `note ${id} to be served by the near cache`,
  );
  return note as unknown as Note;
}

/** A new note with every kind of field. */
export function newNote(title: string, tag = 'a'): NewEntity<Note> {
  return { title, tag, tags: ['x', 'y'], meta: { views: 1, owner: { name: 'Ada' } }, price: new Money(5, 'EUR') };
}

/** How many times `command` ran on the server (INFO commandstats), e.g. `get`, `mget`. */
export async function commandCalls(redis: Redis, command: string): Promise<number> {
  const line = (await redis.info('commandstats')).split('\n').find((row) => row.startsWith(`cmdstat_${command}:`));
  return Number(/calls=(\d+)/.exec(line ?? '')?.[1] ?? 0);
}

/**
 * A redis-server for a test file and a plain connection to it (`raw`), emptied before each test; filled in `beforeAll`.
 */
export interface NoteRedis {
  server: RedisServerHandle;
  raw: Redis;
}

/**
 * Registers the lifecycle of a {@link NoteRedis}: started before the file's tests, FLUSHALLed before each, stopped
 * after.
 */
export function useNoteRedis(serverArgs: string[] = []): NoteRedis {
  const fixture = {} as NoteRedis;
  beforeAll(async () => {
    fixture.server = await startRedisServer(serverArgs);
    fixture.raw = new IORedis(fixture.server.url);
  });
  afterAll(async () => {
    fixture.raw?.disconnect();
    await fixture.server?.stop();
  });
  beforeEach(async () => {
    await fixture.raw.flushall();
  });
  return fixture;
}
