import type { Redis } from 'ioredis';
import { ApiCollisionError, StrategyError } from '../../../src/errors';
import { CachedRepository, type CacheService } from 'cachedrepo';
import {
  bookCacheStrategy,
  bookKeys,
  InMemoryBookRepository,
  sampleBook,
  type Book,
  type BookRepository,
} from '../../support/books';
import { useRedisCache } from '../../support/cache';

// The decorator adds `invalidateCache` and `getCacheStats` to the repository it wraps and
// forwards every other method. A base repository of its own with `invalidate` or `stats`
// once broke it (its state lived in fields of those names); now its state is in #private
// fields, names that would shadow its API are refused at construction, and so is a strategy
// caching a method the base does not have (src/repository/cached-repository.ts).

/** A repository with maintenance methods of its own, named like what a cache would have. */
class MaintainedBookRepository extends InMemoryBookRepository {
  invalidations = 0;
  async invalidate(): Promise<string> {
    this.invalidations += 1;
    return 'base invalidate';
  }
  stats(): { rows: number } {
    return { rows: this.rows.size };
  }
}

class WithInvalidateCache extends InMemoryBookRepository {
  async invalidateCache(): Promise<void> {}
}

class WithGetCacheStatsField extends InMemoryBookRepository {
  // An own property, not a prototype method: refused all the same.
  readonly getCacheStats = () => ({ rows: this.rows.size });
}

/** A repository type with one more finder than the base below implements. */
interface IsbnBookRepository extends BookRepository {
  findByIsbn(isbn: string): Promise<Book | null>;
}

class WithoutIsbnFinder extends InMemoryBookRepository implements IsbnBookRepository {
  // Declared for the type only: there is no such method at run time, as with a JavaScript base.
  declare readonly findByIsbn: IsbnBookRepository['findByIsbn'];
}

describe('CachedRepository and names it must not shadow', () => {
  let redis: Redis;
  let cache: CacheService;
  const fixture = useRedisCache();
  beforeAll(() => ({ redis, cache } = fixture));

  it(
    'forwards a base repository’s own invalidate and stats, and still invalidates on save, ' + 'update and delete',
    async () => {
      const base = new MaintainedBookRepository();
      // wrap infers R from the strategy (BookRepository); naming the base's class keeps its own methods in the type.
      const books = CachedRepository.wrap<Book, MaintainedBookRepository>(base, bookCacheStrategy(), cache);
      const author = (name: string): string => `cache:${bookKeys.byAuthor({ author: name })}`;

      await books.save(sampleBook());
      expect(await books.findByAuthor('Frank Herbert')).toHaveLength(1);
      expect(await books.findById('b1')).not.toBeNull();
      expect(await redis.exists(author('Frank Herbert'), 'cache:book:b1')).toBe(2);

      expect(await books.invalidate()).toBe('base invalidate');
      expect(base.invalidations).toBe(1);
      expect(books.stats()).toEqual({ rows: 1 });
      // The base's invalidate is the base's: the cache was not touched.
      expect(await redis.exists(author('Frank Herbert'), 'cache:book:b1')).toBe(2);

      await books.update('b1', { author: 'Brian Herbert' });
      expect(await redis.exists(author('Frank Herbert'), 'cache:book:b1')).toBe(0);
      expect(await books.findByAuthor('Frank Herbert')).toEqual([]);
      expect(await books.findByAuthor('Brian Herbert')).toHaveLength(1);

      await books.save(sampleBook({ id: 'b2', author: 'Brian Herbert', title: 'Dune Messiah' }));
      expect(await redis.exists(author('Brian Herbert'))).toBe(0);
      expect(await books.findByAuthor('Brian Herbert')).toHaveLength(2);

      await books.delete('b1');
      expect(await redis.exists(author('Brian Herbert'))).toBe(0);
      expect((await books.findByAuthor('Brian Herbert')).map((book) => book.id)).toEqual(['b2']);
      expect(books.stats()).toEqual({ rows: 1 });

      // Six reads, each after a write that cleared its key: six misses, no hit.
      const stats = books.getCacheStats();
      expect(stats).toMatchObject({ entityType: 'book', hits: 0, misses: 6 });
      expect(stats.invalidations).toBeGreaterThan(0);
      expect(base.calls.findByAuthor).toBe(5);
    },
  );

  it(
    'serves a second read from Redis and clears it with its own invalidateCache, next to the ' + 'base’s invalidate',
    async () => {
      const base = new MaintainedBookRepository();
      const books = CachedRepository.wrap<Book, MaintainedBookRepository>(base, bookCacheStrategy(), cache);
      await books.save(sampleBook());
      await books.findByAuthor('Frank Herbert');
      await books.findByAuthor('Frank Herbert');
      expect(base.calls.findByAuthor).toBe(1);
      expect(books.getCacheStats().hits).toBe(1);
      await books.invalidateCache('b1');
      expect(await redis.exists('cache:book:author:Frank%20Herbert')).toBe(0);
      expect(base.invalidations).toBe(0);
    },
  );

  it('refuses at construction a base repository with invalidateCache or getCacheStats', () => {
    expect(() => CachedRepository.wrap(new WithInvalidateCache(), bookCacheStrategy(), cache)).toThrow(
      ApiCollisionError,
    );
    expect(() => CachedRepository.wrap(new WithInvalidateCache(), bookCacheStrategy(), cache)).toThrow(
      /has invalidateCache, which would shadow/,
    );
    expect(() => new CachedRepository(new WithGetCacheStatsField(), bookCacheStrategy(), cache)).toThrow(
      ApiCollisionError,
    );
    expect(() => new CachedRepository(new WithGetCacheStatsField(), bookCacheStrategy(), cache)).toThrow(
      /getCacheStats/,
    );
  });

  it('refuses at construction a strategy caching a method the base repository does not have', () => {
    const strategy = {
      ...bookCacheStrategy(),
      queries: {
        ...bookCacheStrategy().queries,
        findByIsbn: {
          key: (isbn: string) => `book:isbn:${encodeURIComponent(isbn)}`,
          ttlSeconds: 60,
          shape: 'one' as const,
        },
      },
    };
    expect(() => CachedRepository.wrap<Book, IsbnBookRepository>(new WithoutIsbnFinder(), strategy, cache)).toThrow(
      StrategyError,
    );
    expect(() => CachedRepository.wrap<Book, IsbnBookRepository>(new WithoutIsbnFinder(), strategy, cache)).toThrow(
      /caches findByIsbn, which the repository does not have/,
    );
  });
});
