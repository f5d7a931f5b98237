import type { EntityCheck } from '../../../src/protocol/entry-codec';
import { stringId } from '../../../src/repository/id-codec';
import { StrategyError } from '../../../src/errors';
import { encodeEntry, REJECTED } from '../../../src/protocol/entry-codec';
import { createSuperjsonSerializer, valueObjectCodec } from '../../../src/repository/serializer';
import {
  checkNearCacheOptions,
  DEFAULT_NEAR_CACHE_MAX_BYTES,
  estimateEntryBytes,
  NEAR_MISS,
  NEAR_OFF,
  NearCache,
  type NearCacheOptions,
} from '../../../src/near-cache/near-cache';
import { InvalidationFence } from '../../../src/near-cache/invalidation-fence';

/** Entities with string ids and no omitted field (what a default strategy checks). */
const STRING_IDS: EntityCheck = { ids: stringId(), omitted: [] };

// NearCache alone: its group (which decides when it serves) and client tracking are not involved; `isServing` is
// the test's. It reads time from performance.now(), which jest's fake timers drive.

class Price {
  constructor(readonly cents: number) {}
}
const priceCodec = valueObjectCodec<Price, number>({
  name: 'Price',
  isApplicable: (value): value is Price => value instanceof Price,
  toPlain: (price) => price.cents,
  fromPlain: (cents) => new Price(cents),
});
const serializer = createSuperjsonSerializer([priceCodec as never]);
const ENTITY = { kind: 'entity', entity: STRING_IDS } as const;

interface Book {
  id: string;
  title: string;
  at: Date;
  tags: string[];
}
const book = (id: string, title = 'Ajax'): Book => ({ id, title, at: new Date('2024-01-01T00:00:00Z'), tags: ['a'] });

function nearCache(options: NearCacheOptions = { maxEntries: 100 }, serving = { on: true }) {
  return new NearCache('book', options, serializer, () => serving.on);
}

/** Fills `key` with a copyable value the way a read does: ticket first, then the decoded value and its entry. */
function fillWith(near: NearCache, key: string, value: unknown, ttlSeconds = 60, copyable = true): boolean {
  const ticket = near.beginFill(key);
  return near.fill(ticket, value, copyable, encodeEntry(key, value, serializer), 'entity', ttlSeconds);
}

describe('NearCache', () => {
  afterEach(() => jest.useRealTimers());

  it('checks its bounds, and holds 16 MiB by default', () => {
    expect(checkNearCacheOptions('book', { maxEntries: 5 })).toEqual({
      maxEntries: 5,
      maxBytes: DEFAULT_NEAR_CACHE_MAX_BYTES,
    });
    expect(DEFAULT_NEAR_CACHE_MAX_BYTES).toBe(16 * 1024 * 1024);
    for (const bad of [
      { maxEntries: 0 },
      { maxEntries: 1.5 },
      { maxEntries: 10, maxBytes: 1023 },
      { maxEntries: 10, ttlSeconds: 0 },
      { maxEntries: 10, ttlSeconds: Number.NaN },
    ]) {
      expect(() => nearCache(bad)).toThrow(StrategyError);
    }
  });

  it('answers NEAR_OFF while its group says it is not serving, and a miss when it holds nothing', () => {
    const serving = { on: false };
    const near = nearCache({ maxEntries: 10 }, serving);
    expect(near.serving).toBe(false);
    expect(near.get('book:b1', { kind: 'entity', id: 'b1', entity: STRING_IDS })).toBe(NEAR_OFF);
    serving.on = true;
    expect(near.get('book:b1', { kind: 'entity', id: 'b1', entity: STRING_IDS })).toBe(NEAR_MISS);
    expect(near.stats()).toMatchObject({ hits: 0, misses: 1 });
  });

  it('hands out copies: mutating what a caller got changes neither the entry nor what it was filled from', () => {
    const near = nearCache();
    const template = book('b1');
    expect(fillWith(near, 'book:b1', template)).toBe(true);
    const first = near.get('book:b1', { kind: 'entity', id: 'b1', entity: STRING_IDS }) as Book;
    expect(first).toStrictEqual(book('b1'));
    expect(first).not.toBe(template);
    first.title = 'changed';
    first.at.setFullYear(1990);
    first.tags.push('b');
    const second = near.get('book:b1', { kind: 'entity', id: 'b1', entity: STRING_IDS }) as Book;
    expect(second).toStrictEqual(book('b1'));
    expect(template).toStrictEqual(book('b1'));
    expect(near.stats()).toMatchObject({ hits: 2, fills: 1, entries: 1 });
  });

  it('decodes values only a serializer can rebuild again on each hit, as new instances', () => {
    const near = nearCache();
    const value = { id: 'b1', price: new Price(500) };
    expect(fillWith(near, 'book:b1', value, 60, false)).toBe(true);
    const first = near.get('book:b1', { kind: 'entity', id: 'b1', entity: STRING_IDS }) as typeof value;
    const second = near.get('book:b1', { kind: 'entity', id: 'b1', entity: STRING_IDS }) as typeof value;
    expect(first.price).toBeInstanceOf(Price);
    expect(first).toStrictEqual(value);
    expect(first.price).not.toBe(second.price);
    expect(first.price).not.toBe(value.price);
    // The stored entry is checked like a Redis hit: it must hold the entity the read asks for.
    expect(near.get('book:b1', { kind: 'entity', id: 'b2', entity: STRING_IDS })).toBe(REJECTED);
  });

  it('misses a read of another shape than the entry was filled for', () => {
    const near = nearCache();
    fillWith(near, 'book:b1', book('b1'));
    expect(near.get('book:b1', { kind: 'list', entity: STRING_IDS })).toBe(NEAR_MISS);
    expect(near.get('book:b1', { kind: 'one', entity: STRING_IDS })).toBe(NEAR_MISS);
  });

  it('serves an entry no longer than its key’s Redis TTL, nor than its own TTL', () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] });
    const near = nearCache({ maxEntries: 10, ttlSeconds: 30 });
    fillWith(near, 'book:short', book('short'), 5);
    fillWith(near, 'book:long', book('long'), 3600);
    jest.advanceTimersByTime(4999);
    expect(near.get('book:short', { ...ENTITY, id: 'short' })).toStrictEqual(book('short'));
    jest.advanceTimersByTime(1);
    expect(near.get('book:short', { ...ENTITY, id: 'short' })).toBe(NEAR_MISS);
    jest.advanceTimersByTime(24_999);
    expect(near.get('book:long', { ...ENTITY, id: 'long' })).toStrictEqual(book('long'));
    jest.advanceTimersByTime(1);
    expect(near.get('book:long', { ...ENTITY, id: 'long' })).toBe(NEAR_MISS);
    expect(near.stats().entries).toBe(0);
  });

  it('keeps nothing for a key whose Redis TTL is over', () => {
    const near = nearCache();
    expect(fillWith(near, 'book:b1', book('b1'), 0)).toBe(false);
    expect(near.get('book:b1', { ...ENTITY, id: 'b1' })).toBe(NEAR_MISS);
    expect(near.stats()).toMatchObject({ entries: 0, fills: 0 });
  });

  it('keeps at most maxEntries, dropping the least recently used', () => {
    const near = nearCache({ maxEntries: 2 });
    fillWith(near, 'book:1', book('1'));
    fillWith(near, 'book:2', book('2'));
    near.get('book:1', { ...ENTITY, id: '1' });
    fillWith(near, 'book:3', book('3'));
    expect(near.get('book:2', { ...ENTITY, id: '2' })).toBe(NEAR_MISS);
    expect(near.get('book:1', { ...ENTITY, id: '1' })).toStrictEqual(book('1'));
    expect(near.get('book:3', { ...ENTITY, id: '3' })).toStrictEqual(book('3'));
    expect(near.stats()).toMatchObject({ entries: 2, evictions: 1, invalidations: 0 });
  });

  it('keeps at most maxBytes of estimated entry size, and counts the bytes it holds', () => {
    const raw = encodeEntry('book:1', book('1'), serializer);
    const perEntry = estimateEntryBytes('book:1', raw);
    expect(perEntry).toBe(2 * (raw.length + 'book:1'.length) + 160);
    const near = nearCache({ maxEntries: 1000, maxBytes: Math.max(1024, perEntry * 3) });
    for (let i = 1; i <= 9; i += 1) fillWith(near, `book:${i}`, book(`${i}`));
    const { entries, bytes, evictions } = near.stats();
    expect(bytes).toBeLessThanOrEqual(Math.max(1024, perEntry * 3));
    expect(entries).toBeLessThan(9);
    expect(evictions).toBe(9 - entries);
    expect(bytes).toBe(entries * perEntry);
    expect(near.get('book:9', { ...ENTITY, id: '9' })).toStrictEqual(book('9'));
  });

  it('does not count as filled an entry larger than maxBytes, which it cannot keep', () => {
    const near = nearCache({ maxEntries: 10, maxBytes: 1024 });
    const huge = { ...book('big'), title: 'x'.repeat(2000) };
    expect(fillWith(near, 'book:big', huge)).toBe(false);
    expect(near.get('book:big', { ...ENTITY, id: 'big' })).toBe(NEAR_MISS);
    expect(near.stats()).toMatchObject({ entries: 0, fills: 0 });
  });

  it('fills nothing from a ticket cancelled by a drop of its key or a flush, or replaced by a newer one', () => {
    const near = nearCache();
    const raw = encodeEntry('book:b1', book('b1'), serializer);

    const dropped = near.beginFill('book:b1');
    near.drop('book:b1');
    expect(near.fill(dropped, book('b1'), true, raw, 'entity', 60)).toBe(false);

    const flushed = near.beginFill('book:b1');
    near.clear();
    expect(near.fill(flushed, book('b1'), true, raw, 'entity', 60)).toBe(false);

    const older = near.beginFill('book:b1');
    const newer = near.beginFill('book:b1');
    expect(near.fill(older, book('b1', 'old'), true, raw, 'entity', 60)).toBe(false);
    expect(near.fill(newer, book('b1'), true, raw, 'entity', 60)).toBe(true);
    // A ticket fills once.
    expect(near.fill(newer, book('b1', 'again'), true, raw, 'entity', 60)).toBe(false);
    expect(near.stats()).toMatchObject({ fills: 1, cancelledFills: 4 });
    expect(near.get('book:b1', { ...ENTITY, id: 'b1' })).toStrictEqual(book('b1'));
  });

  it('a drop of another key leaves a fill under way alone; a released ticket fills nothing', () => {
    const near = nearCache();
    const raw = encodeEntry('book:b1', book('b1'), serializer);
    const ticket = near.beginFill('book:b1');
    near.drop('book:b2');
    expect(near.fill(ticket, book('b1'), true, raw, 'entity', 60)).toBe(true);

    const released = near.beginFill('book:b3');
    near.release(released);
    expect(near.fill(released, book('b3'), true, raw, 'entity', 60)).toBe(false);
  });

  it('drops a key, and flushes everything, counting each entry dropped as an invalidation', () => {
    const near = nearCache();
    for (const id of ['1', '2', '3']) fillWith(near, `book:${id}`, book(id));
    near.drop('book:1');
    near.drop('book:missing');
    expect(near.get('book:1', { ...ENTITY, id: '1' })).toBe(NEAR_MISS);
    expect(near.stats()).toMatchObject({ entries: 2, invalidations: 1 });
    near.clear();
    expect(near.get('book:2', { ...ENTITY, id: '2' })).toBe(NEAR_MISS);
    expect(near.get('book:3', { ...ENTITY, id: '3' })).toBe(NEAR_MISS);
    expect(near.stats()).toMatchObject({ entityType: 'book', entries: 0, bytes: 0, invalidations: 3, evictions: 0 });
  });

  it('makes a read wait for its fence only when it holds an entry to serve, and counts drops meanwhile', async () => {
    const serving = { on: true };
    const near = new NearCache('book', { maxEntries: 10 }, serializer, () => serving.on, new InvalidationFence());
    const shape = { ...ENTITY, id: '1' };
    expect(near.fenceFor('book:1', shape)).toBeNull();
    fillWith(near, 'book:1', book('1'));
    expect(near.fenceFor('book:1', { kind: 'list' } as never)).toBeNull();
    serving.on = false;
    expect(near.fenceFor('book:1', shape)).toBeNull();
    serving.on = true;
    const fence = near.fenceFor('book:1', shape);
    expect(fence).toBeInstanceOf(Promise);
    // The fence does not count: the lookup after it does.
    expect(near.stats()).toMatchObject({ hits: 0, misses: 0 });
    near.drop('book:1');
    await fence;
    expect(near.get('book:1', shape, true)).toBe(NEAR_MISS);
    expect(near.stats()).toMatchObject({ hits: 0, misses: 1, fencedMisses: 1 });
    expect(nearCache().fenceFor('book:1', shape)).toBeNull();
  });
});
