import { CachedRepository, type Cached } from 'cachedrepo';
import { encodeEntry } from '../../../src/protocol/entry-codec';
import { bookCacheStrategy, bookKeys, InMemoryBookRepository, sampleBook, type Book } from '../../support/books';
import type { BookRepository } from '../../support/books';
import { useRedisCache } from '../../support/cache';
import { sleep, until } from '../../support/wait';

// The consistency auditor on a real redis-server: a stale entry planted behind the library's back is found, counted
// once, logged and repaired; clean reads (also with writes in flight) count nothing; the rate limit holds.

const RECHECK_MS = 150;

/** A base repository that notes when each findById was called (performance.now()). */
class TimedBooks extends InMemoryBookRepository {
  readonly findByIdAt: number[] = [];

  override async findById(id: string): Promise<Book | null> {
    this.findByIdAt.push(performance.now());
    return super.findById(id);
  }
}

describe('consistency auditor', () => {
  const fixture = useRedisCache({
    cacheOptions: { audit: { sampleRate: 1, maxReadsPerSecond: 1000, recheckDelayMs: RECHECK_MS } },
  });
  const strategy = bookCacheStrategy();
  let base: InMemoryBookRepository;
  let books: Cached<BookRepository>;

  beforeEach(() => {
    base = new InMemoryBookRepository();
    books = CachedRepository.wrap(base, strategy, fixture.cache);
  });

  const audit = () => {
    const health = fixture.cache.health().audit;
    if (!health) throw new Error('the auditor is off');
    return health;
  };
  /** Writes a correctly encoded entry of `key` holding `value`, with a plain SET: no lease, no invalidation. */
  const plant = (key: string, value: unknown) =>
    fixture.redis.set(`cache:${key}`, encodeEntry(key, value, strategy.serializer), 'EX', 3600);

  it('finds a stale entry planted behind its back, counts it once, logs both versions and invalidates it', async () => {
    const current = await base.save(sampleBook());
    const stale: Book = { ...current, title: 'Dune (first draft)', tags: ['draft'] };
    const key = bookKeys.byId({ id: current.id });
    await plant(key, stale);
    const before = audit();

    // Five hits of the stale entry before its re-check: each is checked and differs, one re-check counts it.
    for (let i = 0; i < 5; i += 1) expect(await books.findById(current.id)).toEqual(stale);
    await until(
      () => audit().mismatches > before.mismatches,
      5000,
      'the mismatch to be confirmed',
      () => JSON.stringify(audit()),
    );
    await until(() => audit().pendingRechecks === 0, 5000, 'the re-checks to finish');
    const after = audit();
    expect(after.mismatches - before.mismatches).toBe(1);
    expect(after.checked - before.checked).toBe(5);
    expect(after.entities.find((entity) => entity.entityType === 'book')?.mismatches).toBeGreaterThanOrEqual(1);
    expect(after.inconsistencyRatio).toBeCloseTo(after.mismatches / after.checked, 10);

    // Repaired through the invalidation path: the key is gone, and the next read loads the database's version.
    expect(await fixture.redis.get(`cache:${key}`)).toBeNull();
    expect(await books.findById(current.id)).toEqual(current);

    const line = fixture.logger.lines.find((entry) => entry.message.startsWith('Consistency audit'));
    expect(line?.level).toBe('warn');
    expect(line?.details).toMatchObject({ entityType: 'book', key });
    const details = line?.details as { cached: string; base: string };
    expect(details.cached).toContain('Dune (first draft)');
    expect(details.base).toContain('"title":"Dune"');

    // Hits of the repaired entry are clean: nothing more is counted.
    for (let i = 0; i < 5; i += 1) await books.findById(current.id);
    await sleep(RECHECK_MS * 2);
    expect(audit().mismatches).toBe(after.mismatches);
  });

  it('checks query results too (same method, same arguments), and a stale list is repaired', async () => {
    await base.save(sampleBook());
    await base.save(sampleBook({ id: 'b2', title: 'Dune Messiah', year: 1969 }));
    const key = bookKeys.byAuthor({ author: 'Frank Herbert' });
    const listed = await base.findByAuthor('Frank Herbert');
    await plant(key, listed.slice(0, 1));
    const before = audit().mismatches;

    expect(await books.findByAuthor('Frank Herbert')).toHaveLength(1);
    await until(() => audit().mismatches === before + 1, 5000, 'the stale list to be confirmed');
    expect(await fixture.redis.get(`cache:${key}`)).toBeNull();
    expect(await books.findByAuthor('Frank Herbert')).toHaveLength(2);
  });

  it('counts no clean hit, nor a hit a concurrent write made old (re-checked: transient)', async () => {
    for (let i = 0; i < 5; i += 1) await base.save(sampleBook({ id: `c${i}`, year: 1900 + i }));
    const before = audit();
    let version = 0;
    const reads = async () => {
      for (let i = 0; i < 200; i += 1) await books.findById(`c${i % 5}`);
    };
    const writes = async () => {
      for (let i = 0; i < 60; i += 1) {
        version += 1;
        await books.update(`c${i % 5}`, { title: `v${version}` });
        await sleep(1);
      }
    };
    await Promise.all([reads(), reads(), reads(), writes()]);
    await sleep(RECHECK_MS);
    await until(() => audit().pendingRechecks === 0, 5000, 'the re-checks to finish');
    const after = audit();
    expect(after.checked - before.checked).toBeGreaterThan(100);
    expect(after.mismatches - before.mismatches).toBe(0);
    // Not vacuous: writes overtook hits, and their differences were dismissed by the re-check.
    expect(after.transient - before.transient).toBeGreaterThan(0);
  });
});

describe('consistency auditor: rate limit', () => {
  const RATE = 40;
  const BURST = 5;
  const fixture = useRedisCache({
    cacheOptions: { audit: { sampleRate: 1, maxReadsPerSecond: RATE, burst: BURST, recheckDelayMs: RECHECK_MS } },
  });

  it(`never reads the base more than ${BURST} + ${RATE} per second of any interval`, async () => {
    const base = new TimedBooks();
    const books = CachedRepository.wrap(base, bookCacheStrategy(), fixture.cache);
    const ids = Array.from({ length: 20 }, (_, i) => `r${i}`);
    for (const id of ids) await base.save(sampleBook({ id }));
    for (const id of ids) await books.findById(id);
    await until(async () => (await fixture.redis.dbsize()) >= ids.length, 2000, 'every book to be cached');
    await sleep((1000 / RATE) * BURST + 50);
    const missesBefore = fixture.cache.stats.for('book').misses;
    const callsBefore = base.findByIdAt.length;
    const readsBefore = fixture.cache.health().audit?.baseReads ?? 0;

    const started = performance.now();
    await Promise.all(
      Array.from({ length: 8 }, async (_, worker) => {
        for (let i = 0; performance.now() - started < 1500; i += 1)
          await books.findById(ids[(i + worker) % ids.length]!);
      }),
    );

    // Every read was a hit, so every base findById in the loop was the auditor's.
    expect(fixture.cache.stats.for('book').misses).toBe(missesBefore);
    const times = base.findByIdAt.slice(callsBefore);
    const health = fixture.cache.health().audit!;
    expect(health.baseReads - readsBefore).toBe(times.length);
    expect(health.rateLimited).toBeGreaterThan(times.length);
    expect(times.length).toBeGreaterThan(RATE);
    // Over every interval between two base reads (both included): at most the burst plus the rate times its length
    // (the 1 ms covers the time between taking a token and the call being noted).
    for (let i = 0; i < times.length; i += 1)
      for (let j = i; j < times.length; j += 1) {
        const allowed = BURST + (RATE * (times[j]! - times[i]! + 1)) / 1000;
        if (j - i + 1 > allowed)
          throw new Error(`${j - i + 1} base reads in ${(times[j]! - times[i]!).toFixed(1)} ms: more than ${allowed}`);
      }
  });
});

describe('consistency auditor: off', () => {
  const fixture = useRedisCache();

  it('is off by default: no audit in health, and hits never read the base', async () => {
    const base = new InMemoryBookRepository();
    const books = CachedRepository.wrap(base, bookCacheStrategy(), fixture.cache);
    await base.save(sampleBook());
    for (let i = 0; i < 10; i += 1) await books.findById('b1');
    expect(base.calls.findById).toBe(1);
    expect(fixture.cache.health().audit).toBeNull();
    expect(
      fixture.cache.watches.watchFor('book', bookCacheStrategy().serializer, null, fixture.cache.stats.for('book')),
    ).toBeNull();
  });
});
