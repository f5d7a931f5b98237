import type { Redis } from 'ioredis';
import { CachedRepository, readBeforeWrite, type CacheService, type EntityChanges } from 'cachedrepo';
import { type EntityChange } from '../../../src/repository/repository';
import { useRedisCache } from '../../support/cache';
import { bookCacheStrategy, InMemoryBookRepository, sampleBook, type Book } from '../../support/books';

// A cached update invalidates the query keys of the state it replaced. If that state is read
// outside the write (the fallback the cached repository used to take for a base without a
// transactional update: findById, then update), a second writer can change the row in between,
// and the keys of the state the second writer left are missed. These tests put that second
// writer, and a read that caches its state, exactly there.

/**
 * Books whose next update first runs a hook: the point where the test lets a concurrent writer
 * in, after the cached repository has asked the base to write and before the base reads or
 * changes the row. Its own update reads and writes atomically (InMemoryBookRepository).
 */
class InterleavingBooks extends InMemoryBookRepository {
  #next: (() => Promise<void>) | null = null;

  /** Runs `hook` inside the next update (either kind), before it touches the row. */
  beforeNextUpdate(hook: () => Promise<void>): void {
    this.#next = hook;
  }

  override async update(id: string, changes: EntityChanges<Book>): Promise<Book> {
    await this.#interleave();
    return super.update(id, changes);
  }

  override async updateReturningBeforeImage(id: string, changes: EntityChanges<Book>): Promise<EntityChange<Book>> {
    await this.#interleave();
    return super.updateReturningBeforeImage(id, changes);
  }

  async #interleave(): Promise<void> {
    const hook = this.#next;
    this.#next = null;
    await hook?.();
  }
}

const FRANK = 'Frank Herbert';
const BRIAN = 'Brian Herbert';
const KEVIN = 'Kevin J. Anderson';
const BRIAN_KEY = 'cache:book:author:Brian%20Herbert';

describe('an update with a concurrent writer between the before-read and the write', () => {
  let redis: Redis;
  let cache: CacheService;
  const fixture = useRedisCache();
  beforeAll(() => ({ redis, cache } = fixture));

  /**
   * Book b1 by Frank; then, while `books` updates it to Kevin, another cached repository moves it
   * to Brian and a reader caches Brian's list (holding b1) after that writer's invalidation.
   */
  async function interleave(base: InterleavingBooks, books: { update: CachedRepository<Book>['update'] }) {
    const strategy = bookCacheStrategy(1);
    const other = CachedRepository.wrap(base, strategy, cache);
    await other.save(sampleBook({ author: FRANK }));
    base.beforeNextUpdate(async () => {
      await other.update('b1', { author: BRIAN });
      expect((await other.findByAuthor(BRIAN)).map((book) => book.author)).toEqual([BRIAN]);
      expect(await redis.exists(BRIAN_KEY)).toBe(1);
    });
    await books.update('b1', { author: KEVIN });
    expect((await base.findById('b1'))?.author).toBe(KEVIN);
    return other;
  }

  it('leaves no list stale when the base reads the before-image in its own write', async () => {
    const base = new InterleavingBooks();
    const books = CachedRepository.wrap(base, bookCacheStrategy(1), cache);
    await interleave(base, books);

    // The before-image was Brian's state, read in the write: Brian's list was invalidated.
    expect(await redis.exists(BRIAN_KEY)).toBe(0);
    expect(await books.findByAuthor(BRIAN)).toEqual([]);
    expect((await books.findByAuthor(KEVIN)).map((book) => book.id)).toEqual(['b1']);
    expect(await books.findByAuthor(FRANK)).toEqual([]);
  });

  it('readBeforeWrite: only the concurrent state’s own query keys stay stale, until their TTL', async () => {
    const base = new InterleavingBooks();
    // The adapter reads with findById, then calls update, where the hook lets the other writer in:
    // the interleaving the old fallback allowed, now explicit.
    const books = CachedRepository.wrap(readBeforeWrite(base), bookCacheStrategy(1), cache);
    await interleave(base, books);
    const written = Date.now();

    // Stale: Brian's list, a key that only the other writer's state occupied, still holds b1.
    expect(await redis.exists(BRIAN_KEY)).toBe(1);
    expect((await books.findByAuthor(BRIAN)).map((book) => book.author)).toEqual([BRIAN]);
    // Fresh: the entity key, `all`, and the keys of the state read (Frank) and written (Kevin).
    expect((await books.findById('b1'))?.author).toBe(KEVIN);
    expect((await books.findAll()).map((book) => book.author)).toEqual([KEVIN]);
    expect(await books.findByAuthor(FRANK)).toEqual([]);
    expect((await books.findByAuthor(KEVIN)).map((book) => book.id)).toEqual(['b1']);

    // The bound: until that key's TTL (1 s here), and not longer.
    const ttlMs = await redis.pttl(BRIAN_KEY);
    expect(ttlMs).toBeGreaterThan(0);
    expect(ttlMs).toBeLessThanOrEqual(1000);
    while ((await redis.exists(BRIAN_KEY)) === 1) await new Promise((resolve) => setTimeout(resolve, 20));
    // EXISTS expires a due key itself, so this is the TTL plus polling (slack for a loaded machine).
    expect(Date.now() - written).toBeLessThan(1000 + 1500);
    expect(await books.findByAuthor(BRIAN)).toEqual([]);
  });

  it('readBeforeWrite invalidates exactly what a transactional base does when no writer gets in', async () => {
    const direct = CachedRepository.wrap(new InMemoryBookRepository(), bookCacheStrategy(), cache);
    const adapted = CachedRepository.wrap(readBeforeWrite(new InMemoryBookRepository()), bookCacheStrategy(), cache);
    /** The keys left in Redis after an update of a book whose every key, and an unrelated list, was cached. */
    const keptAfterUpdate = async (books: typeof direct): Promise<string[]> => {
      await redis.flushall();
      await books.save(sampleBook({ author: FRANK }));
      await Promise.all([
        books.findById('b1'),
        books.findAll(),
        books.findByAuthor(FRANK),
        books.findByAuthor(KEVIN),
        books.findByAuthor(BRIAN),
        books.findByYear(1965),
        books.findByTitle('Dune'),
      ]);
      expect(await redis.dbsize()).toBe(7);
      await books.update('b1', { author: KEVIN });
      return (await redis.keys('*')).sort();
    };
    expect(await keptAfterUpdate(direct)).toEqual([BRIAN_KEY]);
    expect(await keptAfterUpdate(adapted)).toEqual([BRIAN_KEY]);
  });

  it('readBeforeWrite keeps the base’s own members and state', async () => {
    const base = new InterleavingBooks();
    const adapted = readBeforeWrite(base);
    await adapted.save(sampleBook());
    expect(adapted).toBeInstanceOf(InterleavingBooks);
    expect(adapted.calls).toBe(base.calls);
    const change = await adapted.updateReturningBeforeImage('b1', { year: 1966 });
    expect([change.before.year, change.after.year]).toEqual([1965, 1966]);
    expect(base.calls.findById).toBe(1);
  });
});
