import fc from 'fast-check';
import { StrategyError } from '../../../src/errors';
import { encodeVariant, MAX_VARIANT_LENGTH } from '../../../src/repository/collection-variant';

// The variant tells the pages of one collection apart (REDIS_CACHE.md, section 3, "Lists with arguments"): two calls
// with different arguments sharing a page key would serve one's page to the other, so the encoding must be injective;
// two calls with equal arguments must share it, or the cache never hits.

const encode = (value: unknown): string => encodeVariant(value, 'article.findByTag');

/** Values a variant may hold: primitives of every type, Dates, arrays and plain objects of them. */
const { value: variantValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(undefined),
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.integer({ min: -3, max: 3 }),
    fc.bigInt({ min: -1000n, max: 1000n }),
    fc.string({ unit: 'binary', maxLength: 8 }),
    fc.constantFrom('1', '', "'", ':', ',', ')', '}', 'd1', '#', '%27', 'u', 'n'),
    fc.date({ noInvalidDate: false }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc
      .array(fc.tuple(fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('a', 'b', '__proto__')), tie('value')), {
        maxLength: 4,
      })
      .map((entries) => Object.fromEntries(entries)),
  ),
}));

/** Equality the encoding must follow: same types, Object.is for primitives, Dates by time, records by key set. */
function same(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date)
    return a instanceof Date && b instanceof Date && Object.is(a.getTime(), b.getTime());
  if (Array.isArray(a) || Array.isArray(b))
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => same(item, b[i]));
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const keys = Object.keys(a).sort();
    const other = Object.keys(b).sort();
    return (
      keys.length === other.length &&
      keys.every((key, i) => key === other[i]) &&
      keys.every((key) => same((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]))
    );
  }
  return Object.is(a, b);
}

/** An equal value built anew: new arrays, Dates and records, the records' keys in reverse order. */
function rebuilt(value: unknown): unknown {
  if (value instanceof Date) return new Date(value.getTime());
  if (Array.isArray(value)) return value.map(rebuilt);
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([key, item]) => [key, rebuilt(item)]),
    );
  return value;
}

describe('encodeVariant', () => {
  it('gives equal arguments the same variant, whatever the order of record keys', () => {
    fc.assert(
      fc.property(fc.array(variantValue, { maxLength: 4 }), (args) => {
        expect(encode(rebuilt(args))).toBe(encode(args));
      }),
      { numRuns: 500 },
    );
  });

  it('gives different arguments different variants', () => {
    fc.assert(
      fc.property(fc.array(variantValue, { maxLength: 3 }), fc.array(variantValue, { maxLength: 3 }), (a, b) => {
        expect(encode(a) === encode(b)).toBe(same(a, b));
      }),
      { numRuns: 2000 },
    );
  });

  it('tells types and shapes apart', () => {
    const variants = [
      1,
      '1',
      1n,
      true,
      'true',
      null,
      'null',
      undefined,
      [],
      [undefined],
      {},
      { cursor: undefined },
      { cursor: null },
      0,
      -0,
      NaN,
      new Date(1),
      [1, 2],
      [[1], 2],
      [1, [2]],
      ['a,b'],
      ['a', 'b'],
      { a: 'b' },
      { "a':'b": 1 },
      ["a'", 'b'],
    ].map(encode);
    expect(new Set(variants).size).toBe(variants.length);
    expect(encode({ b: 2, a: 1 })).toBe(encode({ a: 1, b: 2 }));
    expect(encode([1, 'x', { limit: 20, offset: 40 }])).toBe("(d1,'x',{'limit':d20,'offset':d40})");
  });

  it('never holds a glob character or a space, and hashes a long variant to a bounded length', () => {
    fc.assert(
      fc.property(fc.array(variantValue, { maxLength: 4 }), (args) => {
        const variant = encode(args);
        expect(variant).not.toMatch(/[*?[\]\\\s]/);
        expect(variant.length).toBeLessThanOrEqual(MAX_VARIANT_LENGTH);
      }),
    );
    const long = encode(['x'.repeat(500)]);
    expect(long).toMatch(/^#[A-Za-z0-9_-]{43}$/);
    expect(encode(['x'.repeat(501)])).not.toBe(long);
    expect(encode(['x'.repeat(500)])).toBe(long);
    // At the bound the text is kept as it is.
    expect(encode('y'.repeat(MAX_VARIANT_LENGTH - 2))).toBe(`'${'y'.repeat(MAX_VARIANT_LENGTH - 2)}'`);
  });

  it.each([
    ['a function', [() => 1], /hold a function/],
    ['a symbol', [Symbol('s')], /hold a symbol/],
    ['a Map', [new Map()], /hold an instance of Map/],
    ['a class instance', [new (class Cursor {})()], /hold an instance of Cursor/],
    ['a boxed string', [Object('x')], /hold an instance of String/],
    ['an object with symbol keys', [{ [Symbol('k')]: 1 }], /hold an object with symbol keys/],
  ])('throws a StrategyError for %s, naming the query', (_what, args, message) => {
    expect(() => encode(args)).toThrow(StrategyError);
    expect(() => encode(args)).toThrow(message);
    expect(() => encode(args)).toThrow(/article\.findByTag: .*give the query a variant/);
  });

  it('throws a StrategyError for a cycle, and accepts a value met twice without one', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encode([cyclic])).toThrow(/hold a cycle/);
    const shared = { limit: 1 };
    expect(encode([shared, shared])).toBe("({'limit':d1},{'limit':d1})");
  });
});
