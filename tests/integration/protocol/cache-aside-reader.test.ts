import { CachedRepository } from 'cachedrepo';
import type { Cluster, Redis } from 'ioredis';
import { useRedisCache } from '../../support/cache';
import { waitUntilReady } from '../../../src/redis/redis-client';
import { bookCacheStrategy, InMemoryBookRepository, sampleBook, type Book } from '../../support/books';

/** The redis-server, or every master of a cluster (the redis-cluster pass gives the same fixture on a cluster). */
function serversOf(redis: Redis): Redis[] {
  return 'nodes' in redis ? (redis as unknown as Cluster).nodes('master') : [redis];
}

/**
 * The commands that touched `key` while `action` ran, as Redis executed them (MONITOR on the server, or on every
 * master of a cluster; the commands a Lua script runs left out), until an `ECHO` sent after it shows up. A SET is
 * shown with its options (`SET EX 10 NX GET`), other commands by name.
 */
async function commandsSent(redis: Redis, key: string, action: () => Promise<void>): Promise<string[]> {
  const servers = serversOf(redis);
  const seen: string[] = [];
  const monitors = await Promise.all(
    servers.map(async (server) => {
      const monitor = await server.monitor();
      const ended = new Promise<void>((done) =>
        monitor.on('monitor', (_time: string, args: string[], source: string) => {
          if (args[0] === 'echo' && args[1] === 'end-of-action') done();
          else if (source !== 'lua' && args.includes(key))
            seen.push(args[0] === 'set' ? ['set', ...args.slice(3)].join(' ') : `${args[0]}`);
        }),
      );
      return { monitor, ended, server };
    }),
  );
  await action();
  await Promise.all(monitors.map(({ server }) => server.echo('end-of-action')));
  await Promise.all(monitors.map(({ ended }) => ended));
  for (const { monitor } of monitors) monitor.disconnect();
  return seen.map((command) => command.toUpperCase());
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// While a reader's lookups mostly miss, its read places the lease too (SET key token EX ttl NX GET):
// a miss then costs one round trip before the load. These tests put the reader in that state with
// misses of absent ids (negative caching), then watch what Redis executes.
describe('cache-aside reads while misses are common (the lease placed by the read)', () => {
  const fixture = useRedisCache();

  async function missingReader(): Promise<{ base: InMemoryBookRepository; books: CachedRepository<Book> }> {
    const base = new InMemoryBookRepository();
    await base.save(sampleBook({ id: 'b1' }));
    await base.save(sampleBook({ id: 'b2', title: 'Children of Dune' }));
    const books = new CachedRepository(base, bookCacheStrategy(), fixture.cache);
    for (let i = 0; i < 16; i += 1) expect(await books.findById(`absent-${i}`)).toBeNull();
    await fixture.cache.storesSettled();
    return { base, books };
  }

  const keyOf = (id: string): string => fixture.cache.fullKey(`book:${id}`);

  it('places the lease in the read itself: one SET NX GET before the load, no GET, then the store', async () => {
    const { books } = await missingReader();
    const sent = await commandsSent(fixture.redis, keyOf('b1'), async () => {
      expect((await books.findById('b1'))?.title).toBe('Dune');
      await fixture.cache.storesSettled();
    });
    // The read (which placed the lease), then the store under that lease.
    expect(sent).toEqual(['SET EX 10 NX GET', 'EVALSHA']);
    expect(fixture.cache.stats.for('book').snapshot()).toMatchObject({ hits: 0, misses: 17 });
    // Stored under that lease: the next read is a hit.
    expect(await fixture.redis.get(keyOf('b1'))).not.toMatch(/^\0lease:/);
    expect((await books.findById('b1'))?.title).toBe('Dune');
    expect(fixture.cache.stats.for('book').snapshot().hits).toBe(1);
  });

  it('a hit returns the entry and places nothing: the entry and its TTL stay as stored', async () => {
    const { base, books } = await missingReader();
    await books.findById('b2');
    await fixture.cache.storesSettled();
    const stored = await fixture.redis.get(keyOf('b2'));
    const ttl = await fixture.redis.ttl(keyOf('b2'));
    expect(ttl).toBeGreaterThan(3000);
    const loads = base.calls.findById;
    const sent = await commandsSent(fixture.redis, keyOf('b2'), async () => {
      expect((await books.findById('b2'))?.title).toBe('Children of Dune');
    });
    expect(sent).toEqual(['SET EX 10 NX GET']);
    expect(base.calls.findById).toBe(loads);
    expect(await fixture.redis.get(keyOf('b2'))).toBe(stored);
    expect(await fixture.redis.ttl(keyOf('b2'))).toBeGreaterThan(3000);
  });

  it("finds another reader's lease, leaves it, waits for that reader's entry and takes it", async () => {
    const { base, books } = await missingReader();
    // The entry another process would store: this reader's own, read back and then replaced by a lease.
    await books.findById('b1');
    await fixture.cache.storesSettled();
    const entry = (await fixture.redis.get(keyOf('b1'))) as string;
    await fixture.redis.set(keyOf('b1'), '\0lease:other-process', 'EX', 10);
    const loads = base.calls.findById;
    const reading = books.findById('b1');
    await pause(10); // within the 50 ms lease wait: the other process stores its entry under its lease
    expect(await fixture.redis.get(keyOf('b1'))).toBe('\0lease:other-process');
    await fixture.redis.set(keyOf('b1'), entry, 'EX', 3600);
    expect((await reading)?.title).toBe('Dune');
    expect(base.calls.findById).toBe(loads);
  });

  it('still replaces a corrupt entry under a lease, counted', async () => {
    const { books } = await missingReader();
    await fixture.redis.set(keyOf('b1'), '{not an entry', 'EX', 3600);
    const sent = await commandsSent(fixture.redis, keyOf('b1'), async () => {
      expect((await books.findById('b1'))?.title).toBe('Dune');
      await fixture.cache.storesSettled();
    });
    // The read found the corrupt value (and placed nothing); the lease script replaces it; the store.
    expect(sent).toEqual(['SET EX 10 NX GET', 'EVALSHA', 'EVALSHA']);
    expect(fixture.cache.stats.for('book').snapshot().corruptEntries).toBe(1);
    const replaced = await fixture.redis.get(keyOf('b1'));
    expect(replaced).not.toBe('{not an entry');
    expect(replaced).not.toMatch(/^\0lease:/);
    expect((await books.findById('b1'))?.title).toBe('Dune');
    expect(fixture.cache.stats.for('book').snapshot().hits).toBe(1);
  });

  it('a write that removes the lease during the load keeps the loaded value out of the cache', async () => {
    const { base, books } = await missingReader();
    const gate: { open?: () => void } = {};
    const findById = base.findById.bind(base);
    base.findById = async (id: string) => {
      const found = await findById(id);
      await new Promise<void>((open) => (gate.open = open));
      return found;
    };
    const reading = books.findById('b1');
    await pause(20); // the read placed its lease and loaded the old row
    expect(await fixture.redis.get(keyOf('b1'))).toMatch(/^\0lease:/);
    base.findById = findById;
    await books.update('b1', { title: 'Dune Messiah' });
    gate.open?.();
    expect((await reading)?.title).toBe('Dune');
    await fixture.cache.storesSettled();
    expect(await fixture.redis.exists(keyOf('b1'))).toBe(0);
    expect((await books.findById('b1'))?.title).toBe('Dune Messiah');
  });

  it('reads of several keys in one tick are each a SET NX GET: no lease placed after the read', async () => {
    const { books } = await missingReader();
    const sent = await commandsSent(fixture.redis, keyOf('b1'), async () => {
      const found = await Promise.all([books.findById('b1'), books.findById('b2')]);
      expect(found.map((book) => book?.id)).toEqual(['b1', 'b2']);
      await fixture.cache.storesSettled();
    });
    expect(sent).toEqual(['SET EX 10 NX GET', 'EVALSHA']);
  });

  it('with the memory full (noeviction), which refuses the SET, a hit is still served by a GET', async () => {
    const { base, books } = await missingReader();
    await books.findById('b1');
    await fixture.cache.storesSettled();
    const loads = base.calls.findById;
    const servers = serversOf(fixture.redis);
    await Promise.all(
      servers.map((server) => server.config('SET', 'maxmemory-policy', 'noeviction', 'maxmemory', '1')),
    );
    try {
      await expect(fixture.redis.set(keyOf('b1'), 'x', 'NX')).rejects.toThrow(/OOM/);
      const hits = fixture.cache.stats.for('book').hits;
      expect((await books.findById('b1'))?.title).toBe('Dune');
      expect(fixture.cache.stats.for('book').hits).toBe(hits + 1);
      expect(base.calls.findById).toBe(loads);
    } finally {
      await Promise.all(servers.map((server) => server.config('SET', 'maxmemory', '0')));
    }
  });

  it('while lookups mostly hit, a miss is a GET and then the lease (two commands before the load)', async () => {
    const base = new InMemoryBookRepository();
    await base.save(sampleBook({ id: 'b1' }));
    const books = new CachedRepository(base, bookCacheStrategy(), fixture.cache);
    const sent = await commandsSent(fixture.redis, keyOf('b1'), async () => {
      expect((await books.findById('b1'))?.title).toBe('Dune');
      await fixture.cache.storesSettled();
    });
    // The read, the lease (SET NX: the key was empty), the store under the lease.
    expect(sent).toEqual(['GET', 'SET EX 10 NX', 'EVALSHA']);
  });
});

describe('a read that joins a load begun after it', () => {
  const fixture = useRedisCache();

  it('takes the loaded value without waiting for the store under the lease', async () => {
    const servers = serversOf(fixture.redis);
    const base = new InMemoryBookRepository();
    await base.save(sampleBook({ id: 'b1' }));
    const findById = base.findById.bind(base);
    // The load holds back every write command (the store's script among them) for 5 s; reads go on.
    base.findById = async (id) => {
      await Promise.all(servers.map((server) => server.call('CLIENT', 'PAUSE', '5000', 'WRITE')));
      return findById(id);
    };
    const books = new CachedRepository(base, bookCacheStrategy(), fixture.cache);
    const key = fixture.cache.fullKey('book:b1');
    const reader = fixture.redis.duplicate();
    await waitUntilReady(reader, 3000);
    try {
      // One tick: one GET for both, both miss; the first loads (lease, then load), the second joins before the load
      // began, so the load is fresh for it whatever its store does.
      const began = performance.now();
      const values = await Promise.all([books.findById('b1'), books.findById('b1')]);
      const tookMs = performance.now() - began;
      expect(values.map((book) => book?.title)).toEqual(['Dune', 'Dune']);
      expect(values[0]).not.toBe(values[1]);
      expect(base.calls.findById).toBe(1);
      // Both returned while the store was held back: before its command timed out (1 s, the fixture's timeout; a
      // joiner that waited for the store returned after it), and the key still holds the lease (read on a connection
      // of its own: the store waits on the cache's).
      expect(tookMs).toBeLessThan(500);
      expect(await reader.get(key)).toMatch(/^\0lease:/);
    } finally {
      // From the reader's connections: the cache's have the held-back store in front.
      await Promise.all(serversOf(reader).map((server) => server.call('CLIENT', 'UNPAUSE')));
      reader.disconnect();
    }
    await fixture.cache.storesSettled();
    expect(await fixture.redis.get(key)).not.toMatch(/^\0lease:/);
    expect((await books.findById('b1'))?.title).toBe('Dune');
    expect(base.calls.findById).toBe(1);
  });
});
