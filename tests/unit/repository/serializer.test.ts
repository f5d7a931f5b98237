import fc from 'fast-check';
import { SuperJSON } from 'superjson';
import { CorruptEntryError } from '../../../src/errors';
import { createSuperjsonSerializer, valueObjectCodec } from 'cachedrepo';

// The serializer decodes documents whose only annotations are Dates itself (without superjson's
// deep copy, serializer.ts); every other document goes to superjson. Whatever it decodes must be
// exactly what superjson decodes, for any value an entity, list or computed result could hold.

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}
const pointCodec = valueObjectCodec<Point, [number, number]>({
  name: 'Point',
  isApplicable: (value): value is Point => value instanceof Point,
  toPlain: (point) => [point.x, point.y],
  fromPlain: ([x, y]) => new Point(x, y),
});

/** The reference: superjson with the same codec. */
function referenceParser(): SuperJSON {
  const superjson = new SuperJSON();
  superjson.registerCustom<Point, [number, number]>(
    { isApplicable: pointCodec.isApplicable, serialize: pointCodec.toPlain, deserialize: pointCodec.fromPlain },
    'Point',
  );
  return superjson;
}

const dates = fc.date({
  min: new Date('1900-01-01T00:00:00Z'),
  max: new Date('2200-01-01T00:00:00Z'),
  noInvalidDate: true,
});
/**
 * Keys an entity or a computed result may have, including dots, backslashes and empty keys (which superjson escapes).
 */
const keys = fc.oneof(
  fc.constantFrom('id', 'createdAt', 'a.b', 'a\\b', 'a\\', 'b', '', '0', 'items', 'x.'),
  fc.string({ maxLength: 6 }),
);
const leaf = fc.oneof(
  dates,
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.bigInt(),
  fc.integer().map((n) => new Point(n, -n)),
);
const values = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(keys, tie('value'), { maxKeys: 5 }),
    fc.array(fc.tuple(fc.string({ maxLength: 4 }), tie('value')), { maxLength: 3 }).map((entries) => new Map(entries)),
    fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }).map((items) => new Set(items)),
  ),
})).value;

describe('createSuperjsonSerializer', () => {
  const serializer = createSuperjsonSerializer([pointCodec as never]);
  const reference = referenceParser();

  it('decodes every generated value exactly as superjson does', () => {
    fc.assert(
      fc.property(values, (value) => {
        const raw = reference.stringify(value);
        expect(serializer.deserialize(raw)).toStrictEqual(reference.parse(raw));
        expect(serializer.serialize(value)).toBe(raw);
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes entities and lists with Dates (the documents it decodes itself) as superjson does', () => {
    const entity = (n: number) => ({
      id: `h${n}`,
      name: 'Ajax',
      createdAt: new Date(1_700_000_000_000 + n),
      updatedAt: new Date(1_800_000_000_000 - n),
      tags: ['a', 'b'],
      nested: { at: new Date(n) },
    });
    for (const value of [
      entity(1),
      [entity(1), entity(2)],
      { deck: entity(3), cards: [entity(4)] },
      { 'a.b': new Date(5), plain: 'x' },
      { 'a.b': new Date(6), 'a\\': { b: 'not a date' } },
    ]) {
      const raw = reference.stringify(value);
      const decoded = serializer.deserialize(raw);
      expect(decoded).toStrictEqual(reference.parse(raw));
      expect(decoded).toStrictEqual(value);
    }
  });

  it('refuses a document whose annotation paths reach the prototype, as superjson does', () => {
    for (const path of ['__proto__.polluted', 'constructor.prototype.polluted', 'a.__proto__']) {
      const raw = JSON.stringify({
        json: { a: {}, polluted: '2020-01-01T00:00:00.000Z' },
        meta: { values: { [path]: ['Date'] }, v: 1 },
      });
      let decoded: unknown;
      try {
        decoded = serializer.deserialize(raw);
      } catch (error) {
        expect(error).toBeInstanceOf(CorruptEntryError);
      }
      expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
      if (decoded !== undefined) expect((decoded as { polluted: unknown }).polluted).toBe('2020-01-01T00:00:00.000Z');
    }
  });

  it('leaves a document it cannot decode itself to superjson untouched (a bad path after a good one)', () => {
    const raw = JSON.stringify({
      json: { at: '2020-01-01T00:00:00.000Z', n: 1 },
      meta: { values: { at: ['Date'], n: ['bigint'] }, v: 1 },
    });
    expect(serializer.deserialize(raw)).toStrictEqual(reference.parse(raw));
  });
});
