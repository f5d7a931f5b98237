import 'reflect-metadata';
import { container as rootContainer } from 'tsyringe';
import {
  CachedRepository,
  readBeforeWrite,
  type AffectedKeysOf,
  type CacheService,
  type EntityChanges,
  type InvalidationOutbox,
  type NewEntity,
  type OutboxRecordingRepository,
} from 'cachedrepo';
import { type OutboxEntry } from '../../../src/protocol/outbox';
import { WriteCapabilityError } from '../../../src/errors';
import { type EntityChange } from '../../../src/repository/repository';
import { registerRepositories, repositoryRegistration } from 'cachedrepo/tsyringe';
import { connectCache, useRedisCache } from '../../support/cache';
import { bookCacheStrategy, InMemoryBookRepository, sampleBook, type Book } from '../../support/books';

// What a cached repository requires of its base's writes is checked once, when it is built:
// the compiler checks the before-image update (tests/types/write-capability-types.ts); an
// outbox is configuration, so a base that cannot record in it is refused here, at run time.

/** An invalidation outbox in memory: what the base records, the cache service delivers. */
class MemoryOutbox implements InvalidationOutbox {
  readonly entries: OutboxEntry[] = [];
  async read(limit: number): Promise<OutboxEntry[]> {
    return this.entries.slice(0, limit);
  }
  async remove(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const index = this.entries.findIndex((entry) => entry.id === id);
      if (index >= 0) this.entries.splice(index, 1);
    }
  }
}

/** Books whose recording writes add the affected keys to a {@link MemoryOutbox}, in the same step as the write. */
class RecordingBooks extends InMemoryBookRepository implements OutboxRecordingRepository<Book> {
  readonly recordsWritesInOutbox = true;
  readonly recorded: string[][] = [];
  constructor(private readonly outbox: MemoryOutbox) {
    super();
  }
  async saveRecorded(input: NewEntity<Book>, affected: AffectedKeysOf<Book>): Promise<Book> {
    const created = await this.save(input);
    return this.#record(affected(null, created), created);
  }
  async updateRecorded(id: string, changes: EntityChanges<Book>, affected: AffectedKeysOf<Book>) {
    const change: EntityChange<Book> = this.write(id, changes);
    return this.#record(affected(change.before, change.after), change);
  }
  async deleteRecorded(id: string, affected: AffectedKeysOf<Book>): Promise<Book | null> {
    const deleted = await this.delete(id);
    return deleted && this.#record(affected(deleted, null), deleted);
  }
  #record<V>(keys: readonly string[], value: V): V {
    this.recorded.push([...keys]);
    this.outbox.entries.push({ id: String(this.recorded.length), keys });
    return value;
  }
}

describe('what a cached repository requires of its base, checked at construction', () => {
  let cache: CacheService;
  let withOutbox: CacheService;
  const outbox = new MemoryOutbox();
  const fixture = useRedisCache();
  beforeAll(async () => {
    cache = fixture.cache;
    ({ cache: withOutbox } = await connectCache(fixture.server.url, { outbox }));
  });
  afterAll(() => withOutbox.close());

  it('refuses a base that cannot record in the outbox its cache service is configured with', () => {
    expect(withOutbox.recordsWritesInOutbox).toBe(true);
    const base = new InMemoryBookRepository();
    for (const build of [
      () => CachedRepository.wrap(base, bookCacheStrategy(), withOutbox),
      () => new CachedRepository(base, bookCacheStrategy(), withOutbox),
      // The before-image adapter does not make a base record in an outbox.
      () => CachedRepository.wrap(readBeforeWrite(base), bookCacheStrategy(), withOutbox),
    ]) {
      expect(build).toThrow(WriteCapabilityError);
      expect(build).toThrow(expect.objectContaining({ code: 'E_CACHE_WRITE_CAPABILITY' }));
      expect(build).toThrow(/^The book repository cannot record its writes in the invalidation outbox/);
      expect(build).toThrow(/implement OutboxRecordingRepository .*or serve book through a CacheService without one/);
    }
    // The same base is accepted by a cache service without an outbox.
    expect(() => CachedRepository.wrap(base, bookCacheStrategy(), cache)).not.toThrow();
  });

  it('registerRepositories refuses it too, and registers none of the list', () => {
    const container = rootContainer.createChildContainer();
    const capable = new RecordingBooks(new MemoryOutbox());
    const strategy = bookCacheStrategy();
    const rows = [
      repositoryRegistration({ entityType: 'book', token: 'RecordingBooks', plain: capable, strategy }),
      repositoryRegistration({ entityType: 'book', token: 'Books', plain: new InMemoryBookRepository(), strategy }),
    ];
    expect(() => registerRepositories(container, withOutbox, rows)).toThrow(WriteCapabilityError);
    expect(container.isRegistered('RecordingBooks')).toBe(false);
    expect(container.isRegistered('Books')).toBe(false);
    // Uncached (no cache service), the same list is served plain.
    expect(registerRepositories(container, null, rows)).toEqual([]);
    expect(container.resolve('Books')).toBe(rows[1]?.plain);
  });

  it('writes through the recording writes when the cache service has an outbox, else the plain ones', async () => {
    const recording = new RecordingBooks(outbox);
    const books = CachedRepository.wrap(recording, bookCacheStrategy(), withOutbox);
    await books.save(sampleBook());
    await books.update('b1', { author: 'Brian Herbert' });
    expect(await books.delete('b1')).toMatchObject({ id: 'b1' });
    expect(recording.recorded).toEqual([
      expect.arrayContaining(['book:b1', 'book:author:Frank%20Herbert', 'book:all']),
      expect.arrayContaining(['book:author:Frank%20Herbert', 'book:author:Brian%20Herbert']),
      expect.arrayContaining(['book:b1', 'book:author:Brian%20Herbert']),
    ]);

    const quiet = new RecordingBooks(new MemoryOutbox());
    const plain = CachedRepository.wrap(quiet, bookCacheStrategy(), cache);
    await plain.save(sampleBook());
    await plain.update('b1', { year: 1966 });
    await plain.delete('b1');
    expect(quiet.recorded).toEqual([]);
  });

  it('refuses a base that declares outbox recording without its writes', () => {
    const halfway = Object.assign(new InMemoryBookRepository(), {
      recordsWritesInOutbox: true as const,
      saveRecorded: () => Promise.reject(new Error('unused')),
    });
    expect(() => CachedRepository.wrap(halfway, bookCacheStrategy(), withOutbox)).toThrow(
      'The book repository declares recordsWritesInOutbox but has no updateRecorded, deleteRecorded',
    );
  });

  it('refuses, from plain JavaScript or a cast, a base without an update that returns its before-image', () => {
    // The port only, as a JavaScript base has it: the own `undefined` hides the class's method.
    const portOnly = Object.assign(new InMemoryBookRepository(), { updateReturningBeforeImage: undefined });
    const base = portOnly as unknown as InMemoryBookRepository;
    const build = () => CachedRepository.wrap(base, bookCacheStrategy(), cache);
    expect(build).toThrow(WriteCapabilityError);
    expect(build).toThrow(/^The book repository has no updateReturningBeforeImage/);
    expect(build).toThrow(/wrap the repository in readBeforeWrite\(repository\) and accept its bound/);
  });
});
