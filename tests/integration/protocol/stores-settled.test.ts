import { Redis as IORedis } from 'ioredis';
import { CachedRepository, type CacheService } from 'cachedrepo';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';
import { connectCache } from '../../support/cache';
import { bookCacheStrategy, InMemoryBookRepository, sampleBook, type Book } from '../../support/books';

/** Books whose loads wait for `release`. */
class GatedBooks extends InMemoryBookRepository {
  private gate: Promise<void> = Promise.resolve();
  release: () => void = () => undefined;

  close(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }

  override async findById(id: string): Promise<Book | null> {
    await this.gate;
    return super.findById(id);
  }
}

// A miss returns its value before its store under the lease is done; CacheService.storesSettled()
// is the signal that the store was answered, for whatever reads Redis right after a miss (the
// walkthrough's checks among them) instead of racing it.
describe('CacheService.storesSettled', () => {
  let server: RedisServerHandle;
  let raw: IORedis;
  let cache: CacheService;

  beforeAll(async () => {
    server = await startRedisServer();
    raw = new IORedis(server.url);
    ({ cache } = await connectCache(server.url, {}, 2000));
  });
  afterAll(async () => {
    await cache?.close();
    raw?.disconnect();
    await server?.stop();
  });

  it('resolves once the store sent behind a miss is done, not before', async () => {
    const base = new GatedBooks();
    await base.save(sampleBook());
    const books = CachedRepository.wrap(base, bookCacheStrategy(), cache);
    base.close();
    const read = books.findById('b1');
    // The lease is placed, the load waits: now hold Redis's writes (the store is a script that writes).
    const deadline = Date.now() + 5000;
    while ((await cache.read('book:b1')).kind !== 'empty' || !(await raw.exists('cache:book:b1'))) {
      if (Date.now() > deadline) throw new Error('no lease placed');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await raw.client('PAUSE', 300, 'WRITE');
    base.release();
    expect(await read).toStrictEqual(sampleBook());
    // The caller has its value; the store is still held by the pause.
    expect((await raw.get('cache:book:b1'))?.startsWith('\u0000lease:')).toBe(true);
    await cache.storesSettled();
    expect((await cache.read('book:b1')).kind).toBe('value');
  });
});
