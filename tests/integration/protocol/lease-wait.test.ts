import { CachedRepository, type CacheService } from 'cachedrepo';
import { connectCache, useRedisCache } from '../../support/cache';
import { bookCacheStrategy, InMemoryBookRepository, sampleBook, type Book } from '../../support/books';

/** Loads that read their row at once and answer when the test opens the gate (a slow query in flight). */
class SlowBooks extends InMemoryBookRepository {
  private gate: Promise<void> = Promise.resolve();
  private openGate: () => void = () => undefined;
  failNext = false;
  readonly batchedIds: string[] = [];

  close(): void {
    this.gate = new Promise((open) => (this.openGate = open));
  }

  open(): void {
    this.openGate();
  }

  override findByIds(ids: readonly string[]): Promise<Book[]> {
    this.batchedIds.push(...ids);
    return super.findByIds(ids);
  }

  override async findById(id: string): Promise<Book | null> {
    const found = await super.findById(id);
    await this.gate;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('the query timed out');
    }
    return found;
  }
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// Two CacheServices stand for two processes (they share no single-flight and no near cache): a hot
// key read by both right after an invalidation. The first places the lease and loads; the second
// finds the lease and, with a lease wait, takes the first one's entry instead of querying too.
describe('the lease wait (a reader that finds another reader lease waits for its entry)', () => {
  const fixture = useRedisCache();
  let other: { cache: CacheService; close(): Promise<void> } | null = null;
  afterEach(async () => {
    await other?.close();
    other = null;
  });

  async function twoProcesses(leaseWaitMs: number) {
    const base = new SlowBooks();
    await base.save(sampleBook({ id: 'hot' }));
    const second = await connectCache(fixture.server.url, { leaseWaitMs });
    other = { cache: second.cache, close: () => second.cache.close() };
    const strategy = bookCacheStrategy();
    return {
      base,
      first: new CachedRepository(base, strategy, fixture.cache),
      second: new CachedRepository(base, strategy, second.cache),
    };
  }

  it('serves the second process from the first one entry: one database read for the hot key', async () => {
    const { base, first, second } = await twoProcesses(5000);
    base.close();
    const loading = first.findById('hot');
    await pause(50); // the first reader holds the lease and waits on the database
    const waiting = second.findById('hot');
    await pause(50); // the second found the lease and waits
    base.open();
    expect((await loading)?.id).toBe('hot');
    expect((await waiting)?.id).toBe('hot');
    expect(base.calls.findById).toBe(1);
  });

  it('without a lease wait, the second process queries the database too (the old behaviour)', async () => {
    const { base, first, second } = await twoProcesses(0);
    base.close();
    const loading = first.findById('hot');
    await pause(50);
    const waiting = second.findById('hot');
    await pause(50);
    base.open();
    await Promise.all([loading, waiting]);
    expect(base.calls.findById).toBe(2);
  });

  it('loads from the database when the lease holder fails, and stays correct', async () => {
    const { base, first, second } = await twoProcesses(5000);
    base.close();
    base.failNext = true;
    const loading = first.findById('hot');
    await pause(50);
    const waiting = second.findById('hot');
    await pause(50);
    base.open();
    await expect(loading).rejects.toThrow('the query timed out');
    // The failed load gave its lease back: the waiting reader saw the key empty, placed its own lease and loaded.
    expect((await waiting)?.id).toBe('hot');
    expect(base.calls.findById).toBe(2);
    // ... and stored what it loaded, so the next readers of either process hit.
    await second.findById('hot');
    await first.findById('hot');
    expect(base.calls.findById).toBe(2);
  });

  it('readers of a waiting process share its wait and, past the bound, its one load', async () => {
    const { base, first, second } = await twoProcesses(100);
    base.close();
    const holding = first.findById('hot'); // the other process holds the lease, its query answers late
    await pause(20);
    const waiting = second.findById('hot'); // finds the lease and waits (at most 100 ms)
    await pause(10);
    const joined = [second.findById('hot'), second.findById('hot')]; // join that wait, then its load
    await pause(400); // well past the bound, even on a loaded machine: the waiting process loads by now
    base.open();
    const values = await Promise.all([waiting, ...joined, holding]);
    expect(values.map((book) => book?.id)).toEqual(['hot', 'hot', 'hot', 'hot']);
    // The holder's query and one for the waiting process (before, the joiners waited and loaded one each: 4).
    expect(base.calls.findById).toBe(2);
  });

  it('readers that joined a load whose lease a write removed share one fresh load, not one each', async () => {
    const { base, first, second } = await twoProcesses(5000);
    base.close();
    const loading = first.findById('hot'); // places the lease, reads the old title, answers after the write
    await pause(20);
    const joined = [first.findById('hot'), first.findById('hot'), first.findById('hot')];
    await pause(20);
    await second.update('hot', { title: 'Renamed' }); // removes the lease: the load's store fails
    base.open();
    expect((await loading)?.title).toBe('Dune');
    const values = await Promise.all(joined);
    expect(values.map((book) => book?.title)).toEqual(['Renamed', 'Renamed', 'Renamed']);
    // Each its own object: a caller that changes what it got changes nobody else's.
    expect(new Set(values).size).toBe(3);
    // The first load and one shared load for the three joiners (before, one load each: 4)...
    expect(base.calls.findById).toBe(2);
    // ... which they loaded under a lease of their own and stored: the next readers hit.
    expect((await second.findById('hot'))?.title).toBe('Renamed');
    expect((await first.findById('hot'))?.title).toBe('Renamed');
    expect(base.calls.findById).toBe(2);
  });

  it('never takes an entry older than a write that completed before it began', async () => {
    const { base, first, second } = await twoProcesses(5000);
    base.close();
    const loading = first.findById('hot'); // reads the old title, answers after the write
    await pause(50);
    await second.update('hot', { title: 'Renamed' }); // removes the first reader's lease
    const after = second.findById('hot');
    await pause(50);
    base.open();
    expect((await loading)?.title).toBe('Dune');
    expect((await after)?.title).toBe('Renamed');
    expect((await first.findById('hot'))?.title).toBe('Renamed');
  });

  it('lets findByIds take the entry of a key another process is loading, and batch only the rest', async () => {
    const { base, first, second } = await twoProcesses(5000);
    await base.save(sampleBook({ id: 'cold', title: 'Cold' }));
    base.close();
    const loading = first.findById('hot');
    await pause(50);
    const many = second.findByIds(['hot', 'cold']);
    await pause(50);
    base.open();
    await loading;
    expect((await many).map((book) => book.id)).toEqual(['hot', 'cold']);
    expect(base.calls.findById).toBe(1);
    expect(base.batchedIds).toEqual(['cold']);
  });

  it('refuses a lease wait that is not milliseconds from 0 to 60000', async () => {
    await expect(connectCache(fixture.server.url, { leaseWaitMs: -1 })).rejects.toThrow(/leaseWaitMs/);
  });
});
