import { isDeepStrictEqual } from 'node:util';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { sameData } from '../../../src/audit/same-data';
import { createSuperjsonSerializer, valueObjectCodec } from 'cachedrepo';

class Money {
  constructor(
    readonly amount: number,
    readonly currency: string,
  ) {}
}
class OtherMoney {
  constructor(
    readonly amount: number,
    readonly currency: string,
  ) {}
}

/** `value` rebuilt in another realm (a vm context): its objects, arrays and Dates have that realm's prototypes. */
const inAnotherRealm = (value: unknown): unknown =>
  runInNewContext(`(${revive.toString()})(JSON.parse(text))`, { text: JSON.stringify(value) });
// Runs inside the other realm: turns ISO strings marked as dates back into that realm's Dates.
function revive(value: unknown): unknown {
  if (typeof value === 'string' && value.startsWith('date:')) return new Date(value.slice(5));
  if (Array.isArray(value)) return value.map(revive);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, revive(item)]));
  return value;
}

describe('sameData: the conformance suite equality, blind to realms only', () => {
  it('agrees with isDeepStrictEqual on values of one realm', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (a, b) => sameData(a, b) === isDeepStrictEqual(a, b)),
      { numRuns: 2000 },
    );
    const copy = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
    fc.assert(
      fc.property(fc.jsonValue(), (a) => sameData(a, copy(a)) === isDeepStrictEqual(a, copy(a))),
      { numRuns: 1000 },
    );
  });

  it('takes a copy made by the host realm (structuredClone, under jest) for the same data', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (a) => sameData(a, structuredClone(a))),
      { numRuns: 1000 },
    );
  });

  it('is strict about types, nulls and keys, as the conformance suite is', () => {
    const date = new Date('2026-01-01T00:00:00.000Z');
    expect(sameData({ at: date }, { at: date.toISOString() })).toBe(false);
    expect(sameData({ description: null }, { description: undefined })).toBe(false);
    expect(sameData({ description: undefined }, {})).toBe(false);
    expect(sameData([1, 2], [2, 1])).toBe(false);
    expect(sameData(new Money(1, 'EUR'), { amount: 1, currency: 'EUR' })).toBe(false);
    expect(sameData(new Money(1, 'EUR'), new OtherMoney(1, 'EUR'))).toBe(false);
    expect(sameData(new Money(1, 'EUR'), new Money(1, 'EUR'))).toBe(true);
    expect(sameData(new Money(1, 'EUR'), new Money(2, 'EUR'))).toBe(false);
  });

  it('takes data from another realm for the same data, and a difference there for a difference', () => {
    const entity = { id: 'h1', tags: ['a', 'b'], meta: { views: 3 }, at: 'date:2026-01-01T00:00:00.000Z' };
    const mine = revive(entity);
    const theirs = inAnotherRealm(entity);
    expect(isDeepStrictEqual(mine, theirs)).toBe(false);
    expect(sameData(mine, theirs)).toBe(true);
    expect(sameData([mine], inAnotherRealm([entity]))).toBe(true);
    expect(sameData(mine, inAnotherRealm({ ...entity, tags: ['a'] }))).toBe(false);
    expect(sameData(mine, inAnotherRealm({ ...entity, at: 'date:2026-01-02T00:00:00.000Z' }))).toBe(false);
    expect(sameData(mine, inAnotherRealm({ ...entity, at: '2026-01-01T00:00:00.000Z' }))).toBe(false);
    expect(sameData(mine, inAnotherRealm({ ...entity, extra: 1 }))).toBe(false);
  });

  it('compares a serializer round trip with value objects as the conformance round-trip check does', () => {
    const serializer = createSuperjsonSerializer([
      valueObjectCodec<Money, { amount: number; currency: string }>({
        name: 'money',
        isApplicable: (value): value is Money => value instanceof Money,
        toPlain: (money) => ({ amount: money.amount, currency: money.currency }),
        fromPlain: (plain) => new Money(plain.amount, plain.currency),
      }) as never,
    ]);
    const value = [{ id: 'x', price: new Money(5, 'EUR'), at: new Date(0), tags: new Set(['a']) }];
    const back = serializer.deserialize(serializer.serialize(value));
    expect(sameData(back, value)).toBe(true);
    expect(sameData(back, [{ ...value[0], price: new Money(6, 'EUR') }])).toBe(false);
  });
});
