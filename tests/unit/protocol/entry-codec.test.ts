import type { EntityCheck } from '../../../src/protocol/entry-codec';
import { stringId } from '../../../src/repository/id-codec';
import fc from 'fast-check';
import { CorruptEntryError, createSuperjsonSerializer, valueObjectCodec } from '../../../src/repository/serializer';
import { decodeEntry, encodeEntry, hasShape, parseEntry, REJECTED } from '../../../src/protocol/entry-codec';
import { NEGATIVE_ENTRY, newLeaseToken } from '../../../src/protocol/lease';

/** Entities with string ids and no omitted field (what a default strategy checks). */
const STRING_IDS: EntityCheck = { ids: stringId(), omitted: [] };

/** A value object whose constructor validates, as a domain's would: decoding must go through it. */
class Stars {
  constructor(readonly value: number) {
    if (!Number.isInteger(value) || value < 1 || value > 5) throw new RangeError(`stars must be 1..5, got ${value}`);
  }
}
const starsCodec = valueObjectCodec<Stars, number>({
  name: 'Stars',
  isApplicable: (value): value is Stars => value instanceof Stars,
  toPlain: (stars) => stars.value,
  fromPlain: (value) => new Stars(value),
});
const serializer = createSuperjsonSerializer([starsCodec as never]);

const KEY = 'book:b1';
const book = {
  id: 'b1',
  title: 'Ajax',
  subtitle: undefined,
  blurb: null,
  createdAt: new Date('2024-03-01T10:00:00.123Z'),
  tags: new Set(['epic', 'greek']),
  counts: new Map<string, number>([['reads', 3]]),
  rating: new Stars(4),
  big: 12345678901234567890n,
};

describe('entry codec', () => {
  it('round-trips an entity with Dates, Maps, Sets, undefined, null, BigInt and value objects', () => {
    const raw = encodeEntry(KEY, book, serializer);
    expect(raw.startsWith(`${KEY}\n`)).toBe(true);
    const decoded = decodeEntry(KEY, raw, serializer, { kind: 'entity', id: 'b1', entity: STRING_IDS }) as typeof book;
    expect(decoded).toStrictEqual(book);
    expect(decoded.createdAt).toBeInstanceOf(Date);
    expect(decoded.tags).toBeInstanceOf(Set);
    expect(decoded.counts).toBeInstanceOf(Map);
    expect(decoded.rating).toBeInstanceOf(Stars);
    expect('subtitle' in decoded).toBe(true);
    expect(decoded.blurb).toBeNull();
  });

  it('round-trips any generated value of the shape "value", and lists of entities of the shape "list"', () => {
    const leaf = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.date({ noInvalidDate: true }),
      fc.integer({ min: 1, max: 5 }).map((n) => new Stars(n)),
    );
    const { value } = fc.letrec<{ value: unknown }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('value'), { maxLength: 3 }),
        fc.dictionary(fc.string({ maxLength: 5 }), tie('value'), { maxKeys: 4, noNullPrototype: true }),
        fc.array(fc.tuple(fc.string({ maxLength: 3 }), tie('value')), { maxLength: 3 }).map((e) => new Map(e)),
        fc.array(fc.integer(), { maxLength: 3 }).map((items) => new Set(items)),
      ),
    }));
    fc.assert(
      fc.property(value, (generated) => {
        fc.pre(generated !== null);
        const decoded = decodeEntry(KEY, encodeEntry(KEY, generated, serializer), serializer, { kind: 'value' });
        expect(decoded).toStrictEqual(generated);
      }),
      { numRuns: 500 },
    );
    const entity = fc.record({ id: fc.string(), at: fc.date({ noInvalidDate: true }) }, { noNullPrototype: true });
    const entities = fc.array(entity, { maxLength: 5 });
    fc.assert(
      fc.property(entities, (list) => {
        const decoded = decodeEntry(KEY, encodeEntry(KEY, list, serializer), serializer, {
          kind: 'list',
          entity: STRING_IDS,
        });
        expect(decoded).toStrictEqual(list);
      }),
    );
  });

  it('writes null as the fixed negative entry, which fits every shape but a list', () => {
    expect(encodeEntry(KEY, null, serializer)).toBe(NEGATIVE_ENTRY);
    expect(decodeEntry(KEY, NEGATIVE_ENTRY, serializer, { kind: 'entity', id: 'b1', entity: STRING_IDS })).toBeNull();
    expect(decodeEntry(KEY, NEGATIVE_ENTRY, serializer, { kind: 'one', entity: STRING_IDS })).toBeNull();
    expect(decodeEntry(KEY, NEGATIVE_ENTRY, serializer, { kind: 'value' })).toBeNull();
    expect(decodeEntry(KEY, NEGATIVE_ENTRY, serializer, { kind: 'list', entity: STRING_IDS })).toBe(REJECTED);
  });

  it('rejects an entry stored under another key, including a key that extends this one', () => {
    const other = encodeEntry('book:b12', { ...book, id: 'b12' }, serializer);
    expect(decodeEntry(KEY, other, serializer, { kind: 'value' })).toBe(REJECTED);
    const shorter = encodeEntry('book:b', { id: 'b' }, serializer);
    expect(decodeEntry(KEY, shorter, serializer, { kind: 'value' })).toBe(REJECTED);
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        fc.pre(a !== b && !a.includes('\n') && !b.includes('\n'));
        expect(parseEntry(b, encodeEntry(a, { id: 'x' }, serializer), serializer)).toBe(REJECTED);
      }),
    );
  });

  it('rejects raw values that are not entries of ours without throwing', () => {
    const corrupt = [
      '',
      KEY,
      `${KEY}\n`,
      `${KEY}\nnot json`,
      `${KEY}\n{"json":`,
      `${KEY}\n[1,2]`,
      `${KEY}\n{"no":"json field"}`,
      `${KEY}\n{"json":null}`,
      `${KEY}\n{"json":{"id":"b1","rating":9},"meta":{"values":{"rating":[["custom","Stars"]]},"v":1}}`,
      `${KEY}x{"json":{"id":"b1"}}`,
      `x${KEY}\n{"json":{"id":"b1"}}`,
      newLeaseToken(),
      '\u0000none-but-not-quite',
    ];
    for (const raw of corrupt) {
      expect(() => decodeEntry(KEY, raw, serializer, { kind: 'value' })).not.toThrow();
      expect(decodeEntry(KEY, raw, serializer, { kind: 'value' })).toBe(REJECTED);
    }
  });

  it('the serializer throws CorruptEntryError (E_CACHE_CORRUPT_ENTRY) for a bad body or a failed value object', () => {
    const bodies = ['not json', '[1]', '{"json":{"rating":0},"meta":{"values":{"rating":[["custom","Stars"]]},"v":1}}'];
    for (const body of bodies) {
      let thrown: unknown;
      try {
        serializer.deserialize(body);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(CorruptEntryError);
      expect((thrown as CorruptEntryError).code).toBe('E_CACHE_CORRUPT_ENTRY');
    }
  });

  it('checks the shape its key promises', () => {
    const entry = (value: unknown): string => encodeEntry(KEY, value, serializer);
    expect(decodeEntry(KEY, entry({ id: 'b1' }), serializer, { kind: 'entity', id: 'b1', entity: STRING_IDS })).toEqual(
      { id: 'b1' },
    );
    expect(decodeEntry(KEY, entry({ id: 'b2' }), serializer, { kind: 'entity', id: 'b1', entity: STRING_IDS })).toBe(
      REJECTED,
    );
    expect(decodeEntry(KEY, entry({ id: 1 }), serializer, { kind: 'one', entity: STRING_IDS })).toBe(REJECTED);
    expect(decodeEntry(KEY, entry([{ id: 'b1' }]), serializer, { kind: 'one', entity: STRING_IDS })).toBe(REJECTED);
    expect(decodeEntry(KEY, entry(42), serializer, { kind: 'entity', id: 'b1', entity: STRING_IDS })).toBe(REJECTED);
    expect(
      decodeEntry(KEY, entry([{ id: 'b1' }, { name: 'x' }]), serializer, { kind: 'list', entity: STRING_IDS }),
    ).toBe(REJECTED);
    expect(decodeEntry(KEY, entry({ id: 'b1' }), serializer, { kind: 'list', entity: STRING_IDS })).toBe(REJECTED);
    expect(decodeEntry(KEY, entry([]), serializer, { kind: 'list', entity: STRING_IDS })).toEqual([]);
    expect(decodeEntry(KEY, entry(42), serializer, { kind: 'value' })).toBe(42);
    expect(hasShape([null], { kind: 'list', entity: STRING_IDS })).toBe(false);
  });
});
