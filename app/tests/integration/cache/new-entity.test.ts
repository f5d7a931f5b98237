import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { CachedRepository, defineCacheStrategy, defineKeySchema, EntityNotFoundError, type CacheService, type EntityChanges, type NewEntity, type Repository } from '@cachedrepo/core';
import { useRedisCache } from '../../../../packages/core/tests/support/cache';
import { countCalls } from '../../support/counting';
import { runStrategyConformance } from '../../support/strategy-conformance';

// The REDIS_CACHE.md walk-through, "Adding an entity: Book", as a test: a new entity needs an
// entity type, a repository, a key schema and a strategy; no new cached-repository class.

interface Book {
  id: string;
  title: string;
  author: string;
  publishedAt: Date;
}

interface BookRepository extends Repository<Book> {
  findByAuthor(author: string): Promise<Book[]>;
}

/** A plain repository kept in memory (the point here is the cache, which is real Redis). */
class InMemoryBookRepository implements BookRepository {
  private readonly rows = new Map<string, Book>();
  async findById(id: string) { return this.rows.get(id) ?? null; }
  async findByIds(ids: readonly string[]) { return ids.flatMap((id) => this.rows.get(id) ?? []); }
  async findAll() { return [...this.rows.values()]; }
  async findByAuthor(author: string) { return [...this.rows.values()].filter((book) => book.author === author); }
  async save(input: NewEntity<Book>) {
    const book = { ...input, id: input.id ?? randomUUID() };
    this.rows.set(book.id, book);
    return book;
  }
  async update(id: string, changes: EntityChanges<Book>) {
    const current = this.rows.get(id);
    if (!current) throw new EntityNotFoundError('Book', id);
    const book = { ...current, ...changes };
    this.rows.set(id, book);
    return book;
  }
  async delete(id: string) {
    const current = this.rows.get(id) ?? null;
    this.rows.delete(id);
    return current;
  }
}

const bookKeys = defineKeySchema({ byId: 'book:{id}', byAuthor: 'book:author:{author}', all: 'book:all' });

const bookCacheStrategy = (ttlSeconds = 3600) =>
  defineCacheStrategy<Book, BookRepository>({
    entityType: 'book',
    namespaces: [bookKeys.$namespace],
    ttlSeconds,
    entityKey: (id) => bookKeys.byId({ id }),
    queries: { findAll: { key: () => bookKeys.all() }, findByAuthor: { key: (author) => bookKeys.byAuthor({ author }) } },
    keysOf: (book) => [bookKeys.byId({ id: book.id }), bookKeys.byAuthor({ author: book.author })],
    alwaysAffected: [bookKeys.all()],
  });

const sampleBook: Book = { id: 'b1', title: 'Dune', author: 'Frank Herbert', publishedAt: new Date('1965-08-01T00:00:00Z') };

runStrategyConformance<Book>({
  name: 'book',
  strategy: bookCacheStrategy(),
  samples: [sampleBook],
  change: (book) => ({ ...book, author: 'Brian Herbert' }),
  queriesHolding: (book) => [['findAll', []], ['findByAuthor', [book.author]]],
});

describe('a new entity (Book) with only a strategy', () => {
  let redis: Redis;
  let cache: CacheService;
  const fixture = useRedisCache();
  beforeAll(() => ({ redis, cache } = fixture));

  it('is cached, invalidated on write, and keeps its own finders', async () => {
    const counted = countCalls(new InMemoryBookRepository());
    const books = CachedRepository.wrap(counted.repository, bookCacheStrategy(), cache);
    await books.save(sampleBook);
    expect(await books.findByAuthor('Frank Herbert')).toStrictEqual([sampleBook]);
    expect(await books.findByAuthor('Frank Herbert')).toStrictEqual([sampleBook]);
    expect(counted.calls.findByAuthor).toBe(1);
    expect(await redis.exists('cache:book:author:Frank%20Herbert')).toBe(1);

    await books.update('b1', { author: 'Brian Herbert' });
    expect(await books.findByAuthor('Frank Herbert')).toEqual([]);
    expect((await books.findById('b1'))?.publishedAt).toBeInstanceOf(Date);
    expect(books.getCacheStats().entityType).toBe('book');
  });
});
