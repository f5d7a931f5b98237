import { randomUUID } from 'node:crypto';
import {
  defineCacheStrategy,
  defineKeySchema,
  type BeforeImageRepository,
  type CacheStrategy,
  type EntityChanges,
  type NewEntity,
  type Repository,
} from 'cachedrepo';
import { EntityNotFoundError } from '../../src/errors';
import { type EntityChange } from '../../src/repository/repository';

// An entity that is not the example app's: the core's own tests show that any entity and any
// repository can be cached with a strategy and nothing else (REDIS_CACHE.md, "Adding an
// entity"). Nothing here comes from app/.

export interface Book {
  readonly id: string;
  title: string;
  author: string;
  /** Year of first publication. */
  year: number;
  tags: string[];
  inPrint: boolean;
  publishedAt: Date;
}

export interface BookRepository extends Repository<Book> {
  findByAuthor(author: string): Promise<Book[]>;
  findByYear(year: number): Promise<Book[]>;
  /** The first book with exactly this title, or null. */
  findByTitle(title: string): Promise<Book | null>;
}

/**
 * A plain repository kept in memory (the point of these tests is the cache, which is a real Redis), counting calls per
 * method. A write reads and changes a row with no `await` in between: in memory, that is its transaction, so the
 * before-image it returns is the state it replaced.
 */
export class InMemoryBookRepository implements BookRepository, BeforeImageRepository<Book> {
  protected readonly rows = new Map<string, Book>();
  readonly calls: Record<string, number> = {};

  protected count(method: string): void {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
  }

  async findById(id: string): Promise<Book | null> {
    this.count('findById');
    return this.rows.get(id) ?? null;
  }

  async findByIds(ids: readonly string[]): Promise<Book[]> {
    this.count('findByIds');
    return [...new Set(ids)].flatMap((id) => this.rows.get(id) ?? []);
  }

  async findAll(): Promise<Book[]> {
    this.count('findAll');
    return [...this.rows.values()];
  }

  async findByAuthor(author: string): Promise<Book[]> {
    this.count('findByAuthor');
    return [...this.rows.values()].filter((book) => book.author === author);
  }

  async findByYear(year: number): Promise<Book[]> {
    this.count('findByYear');
    return [...this.rows.values()].filter((book) => book.year === year);
  }

  async findByTitle(title: string): Promise<Book | null> {
    this.count('findByTitle');
    return [...this.rows.values()].find((book) => book.title === title) ?? null;
  }

  async save(input: NewEntity<Book>): Promise<Book> {
    const book = { ...input, id: input.id ?? randomUUID() };
    if (this.rows.has(book.id)) throw new Error(`book ${book.id} exists`);
    this.rows.set(book.id, book);
    return book;
  }

  async update(id: string, changes: EntityChanges<Book>): Promise<Book> {
    return this.write(id, changes).after;
  }

  async updateReturningBeforeImage(id: string, changes: EntityChanges<Book>): Promise<EntityChange<Book>> {
    return this.write(id, changes);
  }

  protected write(id: string, changes: EntityChanges<Book>): EntityChange<Book> {
    const before = this.rows.get(id);
    if (!before) throw new EntityNotFoundError('book', id);
    const after = { ...before, ...changes };
    this.rows.set(id, after);
    return { before, after };
  }

  async delete(id: string): Promise<Book | null> {
    const current = this.rows.get(id) ?? null;
    this.rows.delete(id);
    return current;
  }
}

export const bookKeys = defineKeySchema({
  byId: 'book:{id}',
  byAuthor: 'book:author:{author}',
  byYear: 'book:year:{year}',
  byTitle: 'book:title:{title}',
  all: 'book:all',
});

/** The keys one state of a book is held under. */
export const bookKeysOf = (book: Book): string[] => [
  bookKeys.byId({ id: book.id }),
  bookKeys.byAuthor({ author: book.author }),
  bookKeys.byYear({ year: book.year }),
  bookKeys.byTitle({ title: book.title }),
];

/** The correct strategy for books. TTLs in seconds. */
export function bookCacheStrategy(ttlSeconds = 3600): CacheStrategy<Book, BookRepository> {
  return defineCacheStrategy<Book, BookRepository>({
    entityType: 'book',
    namespaces: [bookKeys.$namespace],
    ttlSeconds,
    entityKey: (id) => bookKeys.byId({ id }),
    queries: {
      findAll: { key: () => bookKeys.all() },
      findByAuthor: { key: (author) => bookKeys.byAuthor({ author }) },
      findByYear: { key: (year) => bookKeys.byYear({ year }) },
      findByTitle: { key: (title) => bookKeys.byTitle({ title }), shape: 'one' },
    },
    keysOf: bookKeysOf,
    alwaysAffected: [bookKeys.all()],
  });
}

export const sampleBook = (overrides: Partial<Book> = {}): Book => ({
  id: 'b1',
  title: 'Dune',
  author: 'Frank Herbert',
  year: 1965,
  tags: ['sf', 'desert'],
  inPrint: true,
  publishedAt: new Date('1965-08-01T00:00:00.000Z'),
  ...overrides,
});
