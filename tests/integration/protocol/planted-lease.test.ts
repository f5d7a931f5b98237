import type { Redis } from 'ioredis';
import { CachedRepository, type CacheService } from 'cachedrepo';
import { useRedisCache } from '../../support/cache';
import { bookCacheStrategy, InMemoryBookRepository, sampleBook } from '../../support/books';

// A lease is always written with a TTL (lease.ts): one without (planted by hand, another tool, an
// older release) would never go away, and every reader would take it for another reader's load and
// never store, so the key would stay uncached until the next write. It is a corrupt entry: the next
// load replaces it, counted in corruptEntries.
describe('a lease without a TTL', () => {
  let redis: Redis;
  let cache: CacheService;
  const fixture = useRedisCache();
  beforeAll(() => ({ redis, cache } = fixture));

  it.each([
    ['a lease value', '\u0000lease:planted-by-hand'],
    ['any reserved value a read takes for a lease', '\u0000something'],
  ])('%s set without EX is replaced by the next load, then hits', async (_name, planted) => {
    const base = new InMemoryBookRepository();
    const books = CachedRepository.wrap(base, bookCacheStrategy(), cache);
    const dune = sampleBook();
    await base.save(dune);
    await redis.set('cache:book:b1', planted);
    expect(await redis.pttl('cache:book:b1')).toBe(-1);

    expect(await books.findById('b1')).toStrictEqual(dune);
    // The load stores behind its caller: wait for the entry, whose TTL is the strategy's.
    const deadline = Date.now() + 5000;
    while ((await redis.get('cache:book:b1')) === planted || (await redis.pttl('cache:book:b1')) === -1) {
      if (Date.now() > deadline) throw new Error(`the key still holds ${JSON.stringify(planted)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(await redis.ttl('cache:book:b1')).toBeGreaterThan(3500);
    const loads = base.calls.findById;
    expect(await books.findById('b1')).toStrictEqual(dune);
    expect(base.calls.findById).toBe(loads);
    expect(books.getCacheStats()).toMatchObject({ corruptEntries: 1, hits: 1, misses: 1 });
  });

  it('a lease with a TTL is another reader at work: not replaced, the read loads without storing', async () => {
    const base = new InMemoryBookRepository();
    const books = CachedRepository.wrap(base, bookCacheStrategy(), cache);
    await base.save(sampleBook());
    await redis.set('cache:book:b1', '\u0000lease:another-reader', 'EX', 10);
    expect(await books.findById('b1')).toStrictEqual(sampleBook());
    expect(await redis.get('cache:book:b1')).toBe('\u0000lease:another-reader');
    expect(books.getCacheStats()).toMatchObject({ corruptEntries: 0, misses: 1 });
  });
});
