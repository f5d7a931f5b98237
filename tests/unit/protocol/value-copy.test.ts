import fc from 'fast-check';
import { copyValue, isCopyable } from '../../../src/protocol/value-copy';

/** Every object (including Map keys and Set items) reachable from `value`. */
function objectsIn(value: unknown, found = new Set<object>()): Set<object> {
  if (typeof value !== 'object' || value === null || found.has(value)) return found;
  found.add(value);
  if (value instanceof Map) {
    for (const [key, item] of value) {
      objectsIn(key, found);
      objectsIn(item, found);
    }
  } else if (value instanceof Set) for (const item of value) objectsIn(item, found);
  else for (const key of Object.keys(value)) objectsIn((value as Record<string, unknown>)[key], found);
  return found;
}

/** Plain data as a decoder produces it (superjson: objects, arrays, Dates, Maps, Sets, primitives). */
const plainData = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.oneof(
      fc.string(),
      fc.double(),
      fc.bigInt(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.date({ noInvalidDate: true }),
    ),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 5 }), tie('value'), { maxKeys: 4 }),
    fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 3 }).map((entries) => new Map(entries)),
    fc.array(tie('value'), { maxLength: 3 }).map((items) => new Set(items)),
  ),
})).value;

class Money {
  constructor(readonly amount: number) {}
}

describe('value copy', () => {
  it('copies generated plain data exactly, sharing no object with the original', () => {
    fc.assert(
      fc.property(plainData, (value) => {
        expect(isCopyable(value)).toBe(true);
        const copied = copyValue(value);
        expect(copied).toStrictEqual(value);
        const originals = objectsIn(value);
        for (const object of objectsIn(copied)) expect(originals.has(object)).toBe(false);
      }),
      { numRuns: 1000 },
    );
    // An invalid Date is copied too (apart: Jest's equality finds two invalid Dates unequal, as NaN is to NaN).
    const invalid = copyValue({ at: new Date(Number.NaN) }) as { at: Date };
    expect([invalid.at instanceof Date, Number.isNaN(invalid.at.getTime())]).toEqual([true, true]);
  });

  it('a caller mutating its copy changes neither the template nor another copy', () => {
    const make = () => ({
      id: 'h1',
      createdAt: new Date('2024-01-01T00:00:00Z'),
      tags: ['a'],
      meta: { views: 1, owner: { name: 'Ada' } },
      byLang: new Map([['en', { n: 1 }]]),
      seen: new Set(['x']),
    });
    const template = make();
    const snapshot = make();
    const first = copyValue(template);
    const second = copyValue(template);
    first.createdAt.setFullYear(1999);
    first.tags.push('b');
    first.meta.owner.name = 'Bob';
    (first.byLang.get('en') as { n: number }).n = 2;
    first.byLang.set('fr', { n: 3 });
    first.seen.add('y');
    expect(template).toStrictEqual(snapshot);
    expect(second).toStrictEqual(snapshot);
  });

  it('keeps an own "__proto__" property as a property, never as the prototype', () => {
    const value = JSON.parse('{"a":{"__proto__":{"polluted":true}},"__proto__":{"x":1}}') as Record<string, unknown>;
    const copied = copyValue(value);
    expect(Object.getPrototypeOf(copied)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(copied.a)).toBe(Object.prototype);
    expect(Object.keys(copied)).toEqual(['a', '__proto__']);
    expect((copied as { polluted?: unknown }).polluted).toBeUndefined();
    expect(copied).toStrictEqual(value);
    expect(Object.getOwnPropertyDescriptor(copied, '__proto__')?.value).not.toBe(
      Object.getOwnPropertyDescriptor(value, '__proto__')?.value,
    );
  });

  it('copies objects without a prototype as such', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { n: { m: 1 } });
    const copied = copyValue(bare);
    expect(Object.getPrototypeOf(copied)).toBeNull();
    expect(copied).toStrictEqual(bare);
    expect(copied.n).not.toBe(bare.n);
  });

  it('refuses what only a serializer can rebuild: instances, functions, symbols, RegExps, typed arrays', () => {
    class SpecialDate extends Date {}
    const refused: unknown[] = [
      new Money(5),
      () => 1,
      Symbol('s'),
      /x/,
      new URL('https://example.org'),
      new Error('e'),
      new Uint8Array(2),
      new SpecialDate(0),
      new WeakMap(),
      { [Symbol('hidden')]: 1 },
      { nested: [{ deep: new Money(1) }] },
      new Map([[new Money(1), 'key']]),
      new Map([['value', new Money(1)]]),
      new Set([new Money(1)]),
    ];
    for (const value of refused) expect(isCopyable(value)).toBe(false);
  });

  it('accepts plain data, including primitives at the top', () => {
    for (const value of [1, 'x', null, undefined, true, 1n, [], {}, new Date(0), new Map(), new Set(), [[{}]]]) {
      expect(isCopyable(value)).toBe(true);
      expect(copyValue(value)).toStrictEqual(value);
    }
  });

  it('throws rather than copy a value that is not copyable', () => {
    expect(() => copyValue(new Money(5))).toThrow(TypeError);
  });
});
