import type { Redis } from 'ioredis';
import { CacheService, defineKeySchema } from '../../../src';
import { KeyPatternError, CacheOptionsError } from '../../../src/errors';
import { Cacheable, CacheEvict, MethodCache } from '../../../src/decorators';
import { connectCache, useRedisCache } from '../../support/cache';

// @Cacheable / @CacheEvict on a real redis-server. The "database" is a Map owned by the service
// under test (the decorators only see an async method); the app's tests run them over SQLite.

const priceKeys = defineKeySchema({ byId: 'price:{id}', list: 'price:list', byCurrency: 'price:{id}:{currency}' });

/** A gate the test opens by hand, to hold a load after it has read its source. */
function gate(): { wait: Promise<void>; open(): void } {
  let open = (): void => undefined;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

class PriceService {
  readonly rows = new Map<string, number>();
  loads = 0;
  /** When set, the next `getPrice` reads its row, then waits for the gate before returning it. */
  hold: { loaded: () => void; gate: Promise<void> } | null = null;

  constructor(readonly methodCache: MethodCache | null) {}

  @Cacheable({ key: (id: string) => priceKeys.byId({ id }), ttl: 120 })
  async getPrice(id: string): Promise<{ id: string; cents: number; at: Date } | null> {
    this.loads += 1;
    const cents = this.rows.get(id);
    const held = this.hold;
    this.hold = null;
    if (held) {
      held.loaded();
      await held.gate;
    }
    return cents === undefined ? null : { id, cents, at: new Date('2026-01-01T00:00:00Z') };
  }

  @Cacheable({ key: () => priceKeys.list(), name: 'prices.all' })
  async listPrices(): Promise<string[]> {
    this.loads += 1;
    return [...this.rows.keys()].sort();
  }

  @Cacheable({ key: (id: string, currency: string) => priceKeys.byCurrency({ id, currency }), ttl: 30 })
  async getPriceIn(id: string, currency: string, _traceId?: string): Promise<string> {
    this.loads += 1;
    return `${this.rows.get(id) ?? 0} ${currency}`;
  }

  @CacheEvict({ keys: (id: string) => [priceKeys.byId({ id }), priceKeys.list()] })
  async setPrice(id: string, cents: number): Promise<void> {
    this.rows.set(id, cents);
  }

  @CacheEvict({ keys: (id: string) => [`price:${id}`] })
  async setPriceUnsafely(id: string, cents: number): Promise<void> {
    this.rows.set(id, cents);
  }

  @CacheEvict({ keys: (id: string) => [priceKeys.byId({ id })] })
  async failAfterWriting(id: string, cents: number): Promise<void> {
    this.rows.set(id, cents);
    throw new Error('failed after the commit');
  }
}

// The compiler refuses keys that do not fit the method, methods that are not async, and
// classes without `methodCache` (`tsc --noEmit` fails if any of these compiles).
class Misuses {
  readonly methodCache = null;
  // @ts-expect-error the key takes a number, the method's first parameter is a string
  @Cacheable({ key: (id: number) => priceKeys.byId({ id }) })
  async wrongType(id: string): Promise<string> {
    return id;
  }
  // @ts-expect-error the key needs two arguments, the method has one
  @Cacheable({ key: (id: string, currency: string) => priceKeys.byCurrency({ id, currency }) })
  async tooFew(id: string): Promise<string> {
    return id;
  }
  // @ts-expect-error not a method returning a Promise
  @Cacheable({ key: (id: string) => priceKeys.byId({ id }) })
  notAsync(id: string): string {
    return id;
  }
}
class NotWired {
  // @ts-expect-error the class has no `methodCache` property
  @CacheEvict({ keys: (id: string) => [priceKeys.byId({ id })] })
  async write(id: string): Promise<string> {
    return id;
  }
}
void Misuses;
void NotWired;

describe('@Cacheable and @CacheEvict on a real redis-server', () => {
  let redis: Redis;
  let cache: CacheService;
  const fixture = useRedisCache();
  beforeAll(() => ({ redis, cache } = fixture));

  const service = (options: ConstructorParameters<typeof MethodCache>[1] = {}): PriceService =>
    new PriceService(new MethodCache(cache, options));

  it('misses, then hits with an equal value (Dates kept) without running the method again', async () => {
    const prices = service();
    prices.rows.set('p1', 250);
    const first = await prices.getPrice('p1');
    const second = await prices.getPrice('p1');
    expect(first).toEqual({ id: 'p1', cents: 250, at: new Date('2026-01-01T00:00:00Z') });
    expect(second).toStrictEqual(first);
    expect(second?.at).toBeInstanceOf(Date);
    expect(second).not.toBe(first);
    expect(prices.loads).toBe(1);
    expect(await redis.exists('cache:price:p1')).toBe(1);
    expect(prices.methodCache?.methodStats()).toEqual([
      expect.objectContaining({ entityType: 'PriceService.getPrice', hits: 1, misses: 1, errors: 0, hitRatio: 0.5 }),
    ]);
  });

  it('builds the key from the leading arguments only, and keys data that could form another key apart', async () => {
    const prices = service();
    prices.rows.set('a:b', 1);
    expect(await prices.getPriceIn('a:b', 'EUR', 'trace-1')).toBe('1 EUR');
    expect(await prices.getPriceIn('a:b', 'EUR', 'trace-2')).toBe('1 EUR');
    expect(prices.loads).toBe(1);
    expect(await redis.exists('cache:price:a%3Ab:EUR')).toBe(1);
    // An id equal to a literal of the schema does not read the list's key.
    await prices.listPrices();
    expect(await prices.getPrice('list')).toBeNull();
    expect(prices.loads).toBe(3);
  });

  it('uses the TTL from configuration over the decorator, and CACHE_DEFAULT_TTL when neither sets one', async () => {
    const prices = service({ defaultTtlSeconds: 900, ttlSeconds: { 'PriceService.getPriceIn': 45 } });
    prices.rows.set('p1', 1);
    await prices.getPrice('p1');
    await prices.getPriceIn('p1', 'USD');
    await prices.listPrices();
    const ttl = async (key: string): Promise<number> => redis.ttl(`cache:${key}`);
    expect(await ttl('price:p1')).toBeGreaterThan(115);
    expect(await ttl('price:p1')).toBeLessThanOrEqual(120);
    expect(await ttl('price:p1:USD')).toBeGreaterThan(40);
    expect(await ttl('price:p1:USD')).toBeLessThanOrEqual(45);
    expect(await ttl('price:list')).toBeGreaterThan(895);
    expect(await ttl('price:list')).toBeLessThanOrEqual(900);
    expect(() => new MethodCache(cache, { ttlSeconds: { 'PriceService.getPrice': 1.5 } })).toThrow(CacheOptionsError);
    expect(() => Cacheable({ key: () => 'x', ttl: 0 })).toThrow(CacheOptionsError);
  });

  it('caches null as a negative entry', async () => {
    const prices = service();
    expect(await prices.getPrice('missing')).toBeNull();
    expect(await prices.getPrice('missing')).toBeNull();
    expect(prices.loads).toBe(1);
  });

  it('a write evicts the keys it names, so the next read runs the method and sees the write', async () => {
    const prices = service();
    prices.rows.set('p1', 100);
    await prices.getPrice('p1');
    expect(await prices.listPrices()).toEqual(['p1']);
    await prices.setPrice('p2', 5);
    await prices.setPrice('p1', 150);
    expect((await prices.getPrice('p1'))?.cents).toBe(150);
    expect(await prices.listPrices()).toEqual(['p1', 'p2']);
    expect(prices.loads).toBe(4);
    expect(cache.stats.for('PriceService.setPrice').invalidations).toBe(4);
  });

  it('evicts after a write that throws too: it may have committed before failing', async () => {
    const prices = service();
    prices.rows.set('p1', 1);
    await prices.getPrice('p1');
    await expect(prices.failAfterWriting('p1', 2)).rejects.toThrow('failed after the commit');
    expect((await prices.getPrice('p1'))?.cents).toBe(2);
  });

  it('stale-set race: a load held across a write stores nothing, and the next read is fresh', async () => {
    const prices = service();
    prices.rows.set('p1', 100);
    const loaded = gate();
    const release = gate();
    prices.hold = { loaded: loaded.open, gate: release.wait };
    const slowRead = prices.getPrice('p1');
    await loaded.wait; // the slow read has read 100 and holds it
    await prices.setPrice('p1', 200); // the write commits and evicts while the read is held
    release.open();
    expect((await slowRead)?.cents).toBe(100); // the slow read itself began before the write
    expect(await redis.exists('cache:price:p1')).toBe(0); // ...but its stale value was not stored
    expect((await prices.getPrice('p1'))?.cents).toBe(200);
    expect((await prices.getPrice('p1'))?.cents).toBe(200);
    expect(prices.loads).toBe(2);
  });

  it('concurrent misses of one key in a process share one call of the method', async () => {
    const prices = service();
    prices.rows.set('p1', 7);
    const results = await Promise.all(Array.from({ length: 16 }, () => prices.getPrice('p1')));
    expect(results.every((result) => result?.cents === 7)).toBe(true);
    expect(prices.loads).toBe(1);
  });

  it('refuses a key no key schema could build, before the write runs', async () => {
    const prices = service();
    await expect(prices.setPriceUnsafely('a b', 1)).rejects.toThrow(KeyPatternError);
    expect(prices.rows.has('a b')).toBe(false);
    await expect(new MethodCache(cache).read('m', 'has space', {}, async () => 1)).rejects.toThrow(KeyPatternError);
  });

  it('calls through when the class is not wired for caching (no MethodCache, or no cache service)', async () => {
    for (const prices of [new PriceService(null), new PriceService(new MethodCache(null))]) {
      prices.rows.set('p1', 1);
      await prices.getPrice('p1');
      await prices.getPrice('p1');
      await prices.setPrice('p1', 2);
      expect((await prices.getPrice('p1'))?.cents).toBe(2);
      expect(prices.loads).toBe(3);
    }
    expect(await redis.dbsize()).toBe(0);
    expect(new MethodCache(null).methodStats()).toEqual([]);
  });

  it('two method caches on two cache services share nothing (no global registry)', async () => {
    const other = await connectCache(fixture.server.url, { keyPrefix: 'other' });
    try {
      const mine = service();
      const theirs = new PriceService(new MethodCache(other.cache));
      mine.rows.set('p1', 1);
      theirs.rows.set('p1', 2);
      expect((await mine.getPrice('p1'))?.cents).toBe(1);
      expect((await theirs.getPrice('p1'))?.cents).toBe(2);
      expect((await mine.getPrice('p1'))?.cents).toBe(1);
      expect(await redis.exists('cache:price:p1', 'other:price:p1')).toBe(2);
      expect(other.cache.stats.for('PriceService.getPrice').snapshot()).toMatchObject({ hits: 0, misses: 1 });
      expect(cache.stats.for('PriceService.getPrice').snapshot()).toMatchObject({ hits: 1, misses: 1 });
    } finally {
      await other.cache.close();
      other.redis.disconnect();
    }
  });

  it('reports each call to observers: whether it ran the method, and how long it took', async () => {
    const prices = service();
    const events: { method: string; kind: string; loaded: boolean }[] = [];
    const stop = prices.methodCache?.observe(({ method, kind, loaded, durationMs }) => {
      expect(durationMs).toBeGreaterThanOrEqual(0);
      events.push({ method, kind, loaded });
    });
    await prices.getPrice('p1');
    await prices.getPrice('p1');
    await prices.setPrice('p1', 3);
    stop?.();
    await prices.getPrice('p1');
    expect(events).toEqual([
      { method: 'PriceService.getPrice', kind: 'read', loaded: true },
      { method: 'PriceService.getPrice', kind: 'read', loaded: false },
      { method: 'PriceService.setPrice', kind: 'evict', loaded: false },
    ]);
  });
});
