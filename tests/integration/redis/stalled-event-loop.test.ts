import { CachedRepository, type CacheService } from 'cachedrepo';
import { connectCache, useRedisCache, type MemoryLogger } from '../../support/cache';
import { bookCacheStrategy, InMemoryBookRepository, sampleBook } from '../../support/books';

/** REDIS_COMMAND_TIMEOUT of the writing process, in milliseconds. */
const COMMAND_TIMEOUT_MS = 200;

/** Blocks the event loop for `ms` milliseconds, as synchronous work (a driver, a compilation) does. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  let spins = 0;
  while (performance.now() < end) spins += 1;
  if (spins < 0) throw new Error('unreachable');
}

/** Blocks the event loop for `ms` once every callback of the current turn (commands being sent) has run. */
const blockSoon = (ms: number): Promise<void> =>
  new Promise((resolve) =>
    setImmediate(() => {
      busy(ms);
      resolve();
    }),
  );

const stalledLines = (logger: MemoryLogger): number =>
  logger.lines.filter((line) => line.message.includes('event loop was stalled')).length;

// The breaker must tell a slow Redis from a slow process (redis-gateway.ts, trust/event-loop-stalls.ts).
// A process whose own event loop is blocked longer than the command timeout sees its commands time out
// although Redis answered them at once: those timeouts must not open its breaker, nor leave its writes'
// invalidations to the outbox (other processes would read the old value meanwhile). A Redis that
// really hangs, under a loop that runs freely, must still open it.
describe('circuit breaker and a stalled event loop (Redis healthy)', () => {
  const fixture = useRedisCache();
  let writer: { cache: CacheService; logger: MemoryLogger };
  let reader: { cache: CacheService; logger: MemoryLogger };

  beforeAll(async () => {
    writer = await connectCache(fixture.server.url, { circuitBreaker: { probeIntervalMs: 100 } }, COMMAND_TIMEOUT_MS);
    reader = await connectCache(fixture.server.url, {}, 2000);
  });
  afterAll(async () => {
    await writer?.cache.close();
    await reader?.cache.close();
  });

  /** Two processes sharing one database and one Redis, every book cached. */
  async function cachedBooks(count: number) {
    const base = new InMemoryBookRepository();
    const ids = Array.from({ length: count }, (_, index) => `b${index}`);
    for (const id of ids) await base.save(sampleBook({ id, title: `old ${id}` }));
    const inWriter = CachedRepository.wrap(base, bookCacheStrategy(), writer.cache);
    const inReader = CachedRepository.wrap(base, bookCacheStrategy(), reader.cache);
    for (const id of ids) await inReader.findById(id);
    // The stores run behind the reads: wait until every entry is in Redis.
    const deadline = Date.now() + 5000;
    while ((await fixture.redis.exists(...ids.map((id) => `cache:book:${id}`))) < count) {
      if (Date.now() > deadline) throw new Error('entries not stored');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return { ids, inWriter, inReader };
  }

  it(
    'a busy loop three times the command timeout, with reads and writes in flight, opens nothing ' +
      'and every write is invalidated at once',
    async () => {
      const { ids, inWriter, inReader } = await cachedBooks(20);
      const before = writer.cache.health();
      const written = ids.slice(0, 5);
      // In flight: a read of every book (one MGET) and five writes (their UNLINKs), then the loop blocks.
      const reads = ids.map((id) => inWriter.findById(id));
      const writes = written.map((id) => inWriter.update(id, { title: `new ${id}` }));
      await blockSoon(3 * COMMAND_TIMEOUT_MS);
      await Promise.all([...reads, ...writes]);

      // Not held against Redis: the breaker stayed closed, no invalidation was left pending.
      expect(writer.cache.health()).toMatchObject({
        breaker: 'closed',
        breakerOpenings: before.breakerOpenings,
        pendingInvalidations: 0,
      });
      // Yet the commands did time out during the block (logged, throttled).
      expect(stalledLines(writer.logger)).toBeGreaterThanOrEqual(1);
      // Every write's UNLINK reached Redis: the other process reads the new titles at once.
      for (const id of written) expect((await inReader.findById(id))?.title).toBe(`new ${id}`);
    },
  );

  it('several stalls in a row: still closed, writes still invalidated', async () => {
    const { ids, inWriter, inReader } = await cachedBooks(6);
    const openings = writer.cache.health().breakerOpenings;
    for (const [round, id] of ids.entries()) {
      const write = inWriter.update(id, { title: `round ${round}` });
      const read = inWriter.findById(ids[(round + 1) % ids.length] as string);
      await blockSoon(2 * COMMAND_TIMEOUT_MS);
      await Promise.all([write, read]);
      expect((await inReader.findById(id))?.title).toBe(`round ${round}`);
    }
    expect(writer.cache.health()).toMatchObject({
      breaker: 'closed',
      breakerOpenings: openings,
      pendingInvalidations: 0,
    });
  });

  it('a hung Redis (SIGSTOP) under a free event loop still opens the breaker', async () => {
    const { ids, inWriter } = await cachedBooks(1);
    const openings = writer.cache.health().breakerOpenings;
    const stalled = stalledLines(writer.logger);
    fixture.server.signal('SIGSTOP');
    try {
      const started = performance.now();
      while (writer.cache.health().breaker === 'closed' && performance.now() - started < 10_000)
        expect((await inWriter.findById(ids[0] as string))?.title).toBe('old b0');
      expect(writer.cache.health()).toMatchObject({ breaker: 'open', breakerOpenings: openings + 1 });
      // Three timeouts of COMMAND_TIMEOUT_MS each, none excused.
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(stalledLines(writer.logger)).toBe(stalled);
    } finally {
      fixture.server.signal('SIGCONT');
    }
    expect(await writer.cache.waitUntilReady(15_000)).toBe(true);
  }, 40_000);
});
