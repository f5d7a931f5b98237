import type { Redis } from 'ioredis';
import { CachedRepository, type CacheService } from 'cachedrepo';
import { runStrategyConformance } from 'cachedrepo/testing';
import { useRedisCache } from '../../support/cache';
import { bookCacheStrategy, InMemoryBookRepository, sampleBook } from '../../support/books';

// The REDIS_CACHE.md walk-through, "Adding an entity: Book", as a test: a new entity needs an
// entity type, a repository, a key schema and a strategy; no new cached-repository class.
// The repository is plain memory and owes nothing to Prisma or the example app.

runStrategyConformance(
  { describe, it },
  {
    strategy: bookCacheStrategy(),
    samples: [sampleBook(), sampleBook({ id: 'all', title: 'a:*?[b]', author: '', tags: [], inPrint: false })],
    holding: {
      findAll: () => [],
      findByAuthor: (book) => [book.author],
      findByYear: (book) => [book.year],
      findByTitle: (book) => [book.title],
    },
  },
);

describe('a new entity (Book) over an in-memory repository, with only a strategy', () => {
  let redis: Redis;
  let cache: CacheService;
  const fixture = useRedisCache();
  beforeAll(() => ({ redis, cache } = fixture));

  it('is cached, invalidated on write in both states, and keeps its own finders', async () => {
    const base = new InMemoryBookRepository();
    const books = CachedRepository.wrap(base, bookCacheStrategy(), cache);
    const dune = sampleBook();
    await books.save(dune);
    expect(await books.findByAuthor('Frank Herbert')).toStrictEqual([dune]);
    expect(await books.findByAuthor('Frank Herbert')).toStrictEqual([dune]);
    expect(base.calls.findByAuthor).toBe(1);
    expect(await redis.exists('cache:book:author:Frank%20Herbert')).toBe(1);
    expect(await books.findByAuthor('Brian Herbert')).toStrictEqual([]);

    // The update moves the book from one author's list to the other's: both are cleared.
    await books.update('b1', { author: 'Brian Herbert' });
    expect(await redis.exists('cache:book:author:Frank%20Herbert', 'cache:book:author:Brian%20Herbert')).toBe(0);
    expect(await books.findByAuthor('Frank Herbert')).toEqual([]);
    expect(await books.findByAuthor('Brian Herbert')).toStrictEqual([{ ...dune, author: 'Brian Herbert' }]);
    expect((await books.findById('b1'))?.publishedAt).toBeInstanceOf(Date);
    expect(await books.findByTitle('Dune')).toStrictEqual({ ...dune, author: 'Brian Herbert' });

    await books.delete('b1');
    expect(await books.findByTitle('Dune')).toBeNull();
    expect(await books.findById('b1')).toBeNull();
    expect(await books.findAll()).toEqual([]);
    expect(books.getCacheStats()).toMatchObject({ entityType: 'book', hits: 1 });
  });
});
