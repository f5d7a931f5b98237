import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { CacheService } from '../../../src/cache/cache-service';
import { CachedRepository } from '../../../src/cache/cached-repository';
import { CacheStrategy, type EntityCacheTtlOptions, type QueryPolicies } from '../../../src/cache/cache-strategy';
import { defineKeySchema } from '../../../src/cache/key-schema';
import { createSuperjsonSerializer } from '../../../src/cache/serializer';
import type { Entity, EntityChanges, NewEntity } from '../../../src/domain';
import { EntityNotFoundError, type Repository } from '../../../src/repositories';
import { useRedisCache } from '../../support/cache';
import { countCalls } from '../../support/counting';
import { runStrategyConformance } from '../../support/strategy-conformance';

// The REDIS_CACHE.md walk-through, "Adding an entity: Book", as a test: a new entity needs an
// entity type, a repository, a key schema and a strategy; no new cached-repository class.

interface Book extends Entity {
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

class BookCacheStrategy extends CacheStrategy<Book, BookRepository> {
  readonly entityType = 'book';
  readonly namespaces = [bookKeys.$namespace];
  readonly serializer = createSuperjsonSerializer();
  readonly queries: QueryPolicies<BookRepository, Book>;

  constructor(options: EntityCacheTtlOptions = {}) {
    const ttlSeconds = options.ttlSeconds ?? 3600;
    super({ entityTtlSeconds: ttlSeconds, negativeTtlSeconds: options.negativeTtlSeconds });
    this.queries = {
      findAll: { key: () => bookKeys.all(), ttlSeconds },
      findByAuthor: { key: (author) => bookKeys.byAuthor({ author }), ttlSeconds },
    };
  }

  entityKey(id: string): string {
    return bookKeys.byId({ id });
  }

  affectedKeys(before: Book | null, after: Book | null): string[] {
    return this.keysOfStates(before, after, (book) => [bookKeys.byId({ id: book.id }), bookKeys.byAuthor({ author: book.author })], [bookKeys.all()]);
  }
}

const sampleBook: Book = { id: 'b1', title: 'Dune', author: 'Frank Herbert', publishedAt: new Date('1965-08-01T00:00:00Z') };

runStrategyConformance<Book>({
  name: 'book',
  strategy: new BookCacheStrategy() as unknown as CacheStrategy<Book, never>,
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
    const books = CachedRepository.wrap(counted.repository, new BookCacheStrategy(), cache);
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
