/**
 * Type tests of the public API, compiled by `tsc --noEmit -p .` (never run). Each
 * `@ts-expect-error` line must fail to compile: if the API stops rejecting it, the directive
 * itself becomes the error ("Unused '@ts-expect-error' directive"), so tsc fails.
 */
import {
  defineCacheStrategy,
  defineKeySchema,
  type Cached,
  type CacheService,
  type CacheStrategy,
  CachedRepository,
  type BeforeImageRepository,
  type Repository,
} from 'cachedrepo';
import type { Book, BookRepository } from '../support/books';

declare const cache: CacheService;
/** A base a cached repository accepts (write-capability-types.ts tests one it does not). */
declare const books: BookRepository & BeforeImageRepository<Book>;
const keys = defineKeySchema({
  byId: 'book:{id}',
  byAuthor: 'book:author:{author}',
  byYear: 'book:year:{year}',
  byTitle: 'book:title:{title}',
  all: 'book:all',
});
const base = {
  entityType: 'book',
  namespaces: [keys.$namespace],
  ttlSeconds: 60,
  entityKey: (id: string) => keys.byId({ id }),
  keysOf: (book: Book) => [keys.byId({ id: book.id })],
};

// Positive: a strategy for the repository's own finders, with TTLs in seconds.
export const strategy: CacheStrategy<Book, BookRepository> = defineCacheStrategy<Book, BookRepository>({
  ...base,
  negativeTtlSeconds: 0,
  queries: {
    findAll: { key: () => keys.all(), ttlSeconds: 30 },
    findByAuthor: { key: (author) => keys.byAuthor({ author }) },
    findByYear: { key: (year) => keys.byYear({ year }) },
    findByTitle: { key: (title) => keys.byTitle({ title }), shape: 'one' },
  },
  alwaysAffected: [keys.all()],
});

// Positive: the cached repository has the base's interface and the cache control.
const cached: Cached<BookRepository> = CachedRepository.wrap(books, strategy, cache);
export const byAuthor: Promise<Book[]> = cached.findByAuthor('Ann');
export const control: Promise<void> = cached.invalidateCache('b1');
export const hits: number = cached.getCacheStats().hits;

// Positive: a base that extends the strategy's repository type keeps its extra methods.
declare const extended: BookRepository &
  BeforeImageRepository<Book> & { countByAuthor(author: string): Promise<number> };
export const counted: Promise<number> = CachedRepository.wrap(extended, strategy, cache).countByAuthor('Ann');

defineCacheStrategy<Book, BookRepository>({
  ...base,
  queries: {
    // @ts-expect-error a misspelled query name
    findByAuthr: { key: (author: string) => keys.byAuthor({ author }) },
  },
});

defineCacheStrategy<Book, BookRepository>({
  ...base,
  queries: {
    // @ts-expect-error a key function of the wrong argument type (findByYear takes a number)
    findByYear: { key: (year: string) => keys.byYear({ year }) },
  },
});

defineCacheStrategy<Book, BookRepository>({
  ...base,
  queries: {
    // @ts-expect-error a key function of more arguments than the query has
    findByAuthor: { key: (author: string, year: number) => keys.byAuthor({ author: `${author}${year}` }) },
  },
});

defineCacheStrategy<Book, BookRepository>({
  ...base,
  queries: {
    // @ts-expect-error findByTitle returns one book or null: it must declare shape 'one'
    findByTitle: { key: (title) => keys.byTitle({ title }) },
  },
});

defineCacheStrategy<Book, BookRepository>({
  ...base,
  queries: {
    // @ts-expect-error findByAuthor returns a list: it cannot declare shape 'one'
    findByAuthor: { key: (author) => keys.byAuthor({ author }), shape: 'one' },
  },
});

defineCacheStrategy<Book, BookRepository>({
  ...base,
  queries: {
    // @ts-expect-error `ttl` is not an option: TTLs are `ttlSeconds`
    findAll: { key: () => keys.all(), ttl: 30 },
  },
});

defineCacheStrategy<Book, BookRepository>({
  entityType: 'book',
  namespaces: [keys.$namespace],
  // @ts-expect-error `ttl` is not an option: TTLs are `ttlSeconds`
  ttl: 60,
  entityKey: (id) => keys.byId({ id }),
  keysOf: (book) => [keys.byId({ id: book.id })],
});

defineCacheStrategy<Book, BookRepository>({
  ...base,
  queries: {
    // @ts-expect-error a method of the generic Repository port is not a query to cache
    save: { key: () => keys.all() },
  },
});

// @ts-expect-error a key schema placeholder needs its value
keys.byAuthor({ title: 'Dune' });

/** Another entity and its repository. */
interface Author {
  readonly id: string;
  name: string;
}
interface AuthorRepository extends Repository<Author> {
  findByName(name: string): Promise<Author[]>;
}
declare const authorStrategy: CacheStrategy<Author, AuthorRepository>;

// @ts-expect-error a strategy for another repository
CachedRepository.wrap(books, authorStrategy, cache);
// @ts-expect-error a strategy for another repository
new CachedRepository<Book, BookRepository>(books, authorStrategy, cache);

// Not caught by the compiler: a strategy for a repository type with more finders than the
// base declares (its policies are optional properties). The constructor throws StrategyError
// for it (tests/integration/repository/cached-repository-collisions.test.ts).
