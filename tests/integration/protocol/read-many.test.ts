import { CachedRepository, type CacheService } from 'cachedrepo';
import { useRedisCache } from '../../support/cache';
import {
  bookCacheStrategy,
  InMemoryBookRepository,
  sampleBook,
  type Book,
  type BookRepository,
} from '../../support/books';

/**
 * An in-memory repository whose loads read their rows at once and answer when the test opens a
 * gate (a database reply in flight), recording the ids each load asked for, so that reads can be
 * made to overlap deterministically.
 */
class GatedBooks extends InMemoryBookRepository {
  readonly loadedIds: string[] = [];
  failNext = false;
  /** Whether findById waits for the gate too (the cached update reads the before-state with it). */
  gateFindById = true;
  private gate: Promise<void> = Promise.resolve();
  private openGate: () => void = () => undefined;

  close(): void {
    this.gate = new Promise((open) => (this.openGate = open));
  }

  open(): void {
    this.openGate();
  }

  override async findById(id: string): Promise<Book | null> {
    this.loadedIds.push(id);
    const found = await super.findById(id);
    if (this.gateFindById) await this.gate;
    return found;
  }

  override async findByIds(ids: readonly string[]): Promise<Book[]> {
    this.loadedIds.push(...ids);
    const failing = this.failNext;
    this.failNext = false;
    const found = await super.findByIds(ids);
    await this.gate;
    if (failing) throw new Error('the database went away');
    return found;
  }
}

/** Lets the reads started so far reach their loads (GET, lease, load: a few round trips). */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

describe('findByIds takes the read path of findById (one path for one key and many)', () => {
  let cache: CacheService;
  const fixture = useRedisCache();
  beforeAll(() => ({ cache } = fixture));

  async function books(): Promise<{ base: GatedBooks; repository: CachedRepository<Book, BookRepository> }> {
    const base = new GatedBooks();
    for (const id of ['b1', 'b2', 'b3']) await base.save(sampleBook({ id, title: `Book ${id}` }));
    return { base, repository: new CachedRepository(base, bookCacheStrategy(), cache) };
  }

  it('joins a findById load under way instead of loading that id again', async () => {
    const { base, repository } = await books();
    base.close();
    const one = repository.findById('b1');
    await settle();
    const many = repository.findByIds(['b1', 'b2']);
    await settle();
    base.open();
    expect((await one)?.id).toBe('b1');
    expect((await many).map((book) => book.id)).toEqual(['b1', 'b2']);
    // b1 was loaded once (by findById); the batch carried b2 alone.
    expect(base.loadedIds).toEqual(['b1', 'b2']);
  });

  it('loads each id once when two findByIds overlap, in one batch per call', async () => {
    const { base, repository } = await books();
    base.close();
    const first = repository.findByIds(['b1', 'b2']);
    await settle();
    const second = repository.findByIds(['b3', 'b2', 'b3']);
    await settle();
    base.open();
    expect((await first).map((book) => book.id)).toEqual(['b1', 'b2']);
    expect((await second).map((book) => book.id)).toEqual(['b3', 'b2']);
    expect([...base.loadedIds].sort()).toEqual(['b1', 'b2', 'b3']);
    expect(base.calls.findByIds).toBe(2);
    // Stored under their leases: the next call is served by Redis.
    expect((await repository.findByIds(['b1', 'b2', 'b3'])).length).toBe(3);
    expect(base.calls.findByIds).toBe(2);
  });

  it('hands a failed batch load to every caller waiting on it, and the next read loads again', async () => {
    const { base, repository } = await books();
    base.close();
    base.failNext = true;
    const many = repository.findByIds(['b1', 'b2']);
    await settle();
    const one = repository.findById('b2');
    await settle();
    base.open();
    await expect(many).rejects.toThrow('the database went away');
    await expect(one).rejects.toThrow('the database went away');
    expect((await repository.findByIds(['b1', 'b2'])).map((book) => book.id)).toEqual(['b1', 'b2']);
  });

  it('never serves a value loaded before a write that completed before the read began', async () => {
    const { base, repository } = await books();
    base.gateFindById = false;
    base.close();
    // This load reads b1 now and answers after the write below: its value is stale by then.
    const before = repository.findByIds(['b1']);
    await settle();
    await repository.update('b1', { title: 'Renamed' });
    const after = repository.findByIds(['b1', 'b2']);
    await settle();
    base.open();
    expect((await before).map((book) => book.title)).toEqual(['Book b1']);
    // The read that began after the write did not join the load that began before it.
    expect((await after).map((book) => book.title)).toEqual(['Renamed', 'Book b2']);
    // And the stale load's store failed: its lease went with the write's invalidation.
    expect((await repository.findById('b1'))?.title).toBe('Renamed');
    expect((await repository.findByIds(['b1']))[0]?.title).toBe('Renamed');
  });
});
