import { keySlot } from '../../../src/redis/cluster/key-slot';
import { receiptKeyOf } from '../../../src/redis/receipts';
import { CacheService } from 'cachedrepo';
import { connectCache, useRedisCache } from '../../support/cache';

// A captured write's receipt (src/repository/write-receipt.ts): the writer's UNLINK places it beside each key, in the
// key's slot, in one script; change capture's consumer leaves alone the keys whose receipt covers every change it
// holds for them, and invalidates the others. Runs on a cluster too (keys spread over many slots).

describe('write receipts', () => {
  const fixture = useRedisCache();
  const keys = Array.from({ length: 24 }, (_, index) => `hero:receipt-${index}`);
  const full = (key: string): string => `cache:${key}`;

  const fill = async (): Promise<void> => {
    for (const key of keys) await fixture.redis.set(full(key), `{"v":"${key}"}`, 'EX', 60);
  };

  const present = async (): Promise<string[]> => {
    const found: string[] = [];
    for (const key of keys) if ((await fixture.redis.exists(full(key))) === 1) found.push(key);
    return found;
  };

  it('removes the keys and places the receipt beside each, in its slot, for a few seconds', async () => {
    await fill();
    expect(await fixture.cache.invalidate(keys, undefined, { below: 41, own: 41 })).toBe(true);
    expect(await present()).toEqual([]);
    for (const key of keys) {
      const receiptKey = receiptKeyOf(full(key));
      if (!receiptKey) throw new Error(`${key} has a receipt key`);
      expect(keySlot(receiptKey)).toBe(keySlot(full(key)));
      expect(await fixture.redis.get(receiptKey)).toBe('41:41');
      const ttl = await fixture.redis.pttl(receiptKey);
      expect(ttl).toBeGreaterThan(3000);
      expect(ttl).toBeLessThanOrEqual(5000);
    }
  });

  it('leaves alone the keys whose receipt covers every change, and invalidates the others', async () => {
    expect(await fixture.cache.invalidate(keys.slice(0, 12), undefined, { below: 100, own: 100 })).toBe(true);
    expect(await fixture.cache.invalidate(keys.slice(12), undefined)).toBe(true); // no receipt
    await fill();
    const positions = new Map<string, number[] | null>([
      [keys[0] as string, [100]], // its own change: covered
      [keys[1] as string, [57, 99, 100]], // committed before, and its own: covered
      [keys[2] as string, [101]], // a later change (another writer's, or raw SQL): invalidated
      [keys[3] as string, [100, 101]],
      [keys[4] as string, null], // a change without a position
      [keys[5] as string, []],
      [keys[12] as string, [1]], // no receipt
    ]);
    const result = await fixture.cache.invalidateChanges(positions);
    expect(result).toEqual({ delivered: true, skipped: 2 });
    const asked = keys.slice(0, 13);
    expect((await present()).filter((key) => asked.includes(key))).toEqual(
      asked.filter((key) => [keys[0], keys[1]].includes(key) || !positions.has(key)),
    );
  });

  it('invalidates a key whose receipt cannot be read, and compares positions that wrap (RFC 1982)', async () => {
    const [corrupt, wrapped] = [keys[20] as string, keys[21] as string];
    await fill();
    await fixture.redis.set(receiptKeyOf(full(corrupt)) as string, 'not a receipt', 'PX', 5000);
    expect(await fixture.cache.invalidate([wrapped], undefined, { below: 5, own: null })).toBe(true);
    await fill();
    // 4294967295 (2^32 - 1) precedes 5 once positions wrapped at 32 bits (PostgreSQL's transaction ids).
    const result = await fixture.cache.invalidateChanges(
      new Map([
        [corrupt, [1]],
        [wrapped, [4294967295, 4]],
      ]),
    );
    expect(result).toEqual({ delivered: true, skipped: 1 });
    expect(await fixture.redis.exists(full(corrupt))).toBe(0);
    expect(await fixture.redis.exists(full(wrapped))).toBe(1);
  });

  it('keeps the receipt of the writer that finished last, whichever change it names', async () => {
    const [key] = keys;
    const receipt = async (below: number, own: number | null): Promise<string | null> => {
      expect(await fixture.cache.invalidate([key as string], undefined, { below, own })).toBe(true);
      return fixture.redis.get(receiptKeyOf(full(key as string)) as string);
    };
    expect(await receipt(50, 50)).toBe('50:50');
    expect(await receipt(40, null)).toBe('40:'); // an older writer's, finishing later: its receipt, true but older
    await fill();
    const result = await fixture.cache.invalidateChanges(new Map([[key as string, [50]]]));
    expect(result).toEqual({ delivered: true, skipped: 0 });
    expect(await fixture.redis.exists(full(key as string))).toBe(0);
  });

  it('places none with writeReceiptTtlMs 0, and refuses a TTL outside 0..60000 ms', async () => {
    const other = await connectCache(fixture.server.url, { writeReceiptTtlMs: 0 });
    try {
      const key = keys[23] as string;
      await fixture.redis.del(receiptKeyOf(full(key)) as string);
      await fill();
      expect(await other.cache.invalidate([key], undefined, { below: 7, own: 7 })).toBe(true);
      expect(await fixture.redis.exists(full(key))).toBe(0);
      expect(await fixture.redis.exists(receiptKeyOf(full(key)) as string)).toBe(0);
    } finally {
      await other.cache.close();
      other.redis.disconnect();
    }
    for (const writeReceiptTtlMs of [-1, 60_001, Number.NaN])
      expect(() => new CacheService(null, { writeReceiptTtlMs })).toThrow(/writeReceiptTtlMs/);
  });
});
