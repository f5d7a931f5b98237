import fc from 'fast-check';
import { bigIntId, checkId, compositeId, intId, stringId, type IdCodec } from '../../../src/repository/id-codec';
import { defineKeySchema } from 'cachedrepo';
import { InvalidIdError } from '../../../src/errors';

// Ids of every type Prisma allows for a primary key (String, Int, BigInt, composite), as strategies declare them: the
// codec tells ids apart, and the keys a key schema builds from them are injective and glob-safe.

const postKeys = defineKeySchema({ byId: 'post:{id}', all: 'post:all' });
const heroKeys = defineKeySchema({ byId: 'hero:{id}', all: 'hero:all' });
const ledgerKeys = defineKeySchema({ byId: 'ledger:{id}', all: 'ledger:all' });
const memberKeys = defineKeySchema({ byId: 'membership:{userId}:{articleId}', all: 'membership:all' });
const tagKeys = defineKeySchema({ byId: 'tag:{owner}:{slug}:{version}' });

const strings = fc.string({ unit: 'binary' });
const ints = fc.maxSafeInteger().map((n) => (Object.is(n, -0) ? 0 : n));
const bigints = fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n });
const members = fc.record({ userId: ints, articleId: ints });
const tags = fc.record({ owner: strings, slug: strings, version: bigints });

/** One id type: its codec, a generator of its ids, and the entity key a strategy of it builds. */
interface Kind<Id> {
  name: string;
  codec: IdCodec<Id>;
  ids: fc.Arbitrary<Id>;
  key(id: Id): string;
  segments: number;
}

const kinds = [
  { name: 'string', codec: stringId(), ids: strings, key: (id: string) => heroKeys.byId({ id }), segments: 2 },
  { name: 'Int', codec: intId(), ids: ints, key: (id: number) => postKeys.byId({ id }), segments: 2 },
  { name: 'BigInt', codec: bigIntId(), ids: bigints, key: (id: bigint) => ledgerKeys.byId({ id }), segments: 2 },
  {
    name: 'composite Int',
    codec: compositeId({ userId: 'int', articleId: 'int' }),
    ids: members,
    key: (id: { userId: number; articleId: number }) => memberKeys.byId(id),
    segments: 3,
  },
  {
    name: 'composite of all three',
    codec: compositeId({ owner: 'string', slug: 'string', version: 'bigint' }),
    ids: tags,
    key: (id: { owner: string; slug: string; version: bigint }) => tagKeys.byId(id),
    segments: 4,
  },
] as unknown as Kind<unknown>[];

const same = (codec: IdCodec<unknown>, a: unknown, b: unknown): boolean => codec.equals(a, b);

describe.each(kinds)('$name ids', ({ codec, ids, key, segments }) => {
  it('two different ids never give the same key, nor the same text; the same id (a copy) gives the same', () => {
    fc.assert(
      fc.property(ids, ids, (a, b) => {
        const copy = typeof a === 'object' && a !== null ? { ...a } : a;
        expect(key(copy)).toBe(key(a));
        expect(codec.text(copy)).toBe(codec.text(a));
        if (same(codec, a, b)) return;
        expect(key(a)).not.toBe(key(b));
        expect(codec.text(a)).not.toBe(codec.text(b));
      }),
      { numRuns: 2000 },
    );
  });

  it('keys never hold an unescaped glob character nor an extra segment', () => {
    fc.assert(
      fc.property(ids, (id) => {
        expect(codec.is(id)).toBe(true);
        expect(key(id)).not.toMatch(/[*?[\]\\]/);
        expect(key(id).split(':')).toHaveLength(segments);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('ids of different types', () => {
  it('a number id and a string id of two strategies never share a key, whatever their text', () => {
    fc.assert(
      fc.property(ints, strings, (n, s) => {
        expect(postKeys.byId({ id: n })).not.toBe(heroKeys.byId({ id: s }));
        expect(heroKeys.byId({ id: String(n) })).not.toBe(postKeys.byId({ id: n }));
      }),
    );
    expect(postKeys.byId({ id: 1 })).toBe('post:1');
    expect(heroKeys.byId({ id: '1' })).toBe('hero:1');
  });

  it("a strategy's codec takes only its own type, so 1 and '1' never meet in one strategy's keys", () => {
    const codecs = kinds.map(({ codec }) => codec);
    fc.assert(
      fc.property(fc.oneof(strings, ints, bigints, members, tags), (id) => {
        // Each value is an id of exactly one of the kinds (a record of two ints is not a record of three fields).
        expect(codecs.filter((codec) => codec.is(id))).toHaveLength(1);
      }),
    );
    expect(intId().is('1')).toBe(false);
    expect(stringId().is(1)).toBe(false);
    expect(bigIntId().is(1)).toBe(false);
    expect(intId().is(1n)).toBe(false);
  });
});

describe('checkId', () => {
  const member = compositeId({ userId: 'int', articleId: 'int' });

  it('returns a valid id', () => {
    expect(checkId(intId(), 'post', 7)).toBe(7);
    expect(checkId(member, 'membership', { userId: 1, articleId: 2 })).toEqual({ userId: 1, articleId: 2 });
  });

  it('refuses an id of another type with E_INVALID_ID and a message naming the entity, the id and the type', () => {
    const refused = (run: () => unknown): InvalidIdError => {
      try {
        run();
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidIdError);
        expect((error as InvalidIdError).code).toBe('E_INVALID_ID');
        return error as InvalidIdError;
      }
      throw new Error('not refused');
    };
    expect(refused(() => checkId(intId(), 'post', '1')).message).toBe(
      'post id: expected an Int (a safe integer), got the string "1": parse it first (an id from a URL or a form ' +
        'is a string), e.g. Number(id)',
    );
    expect(refused(() => checkId(bigIntId(), 'ledger', 1)).message).toBe(
      'ledger id: expected a BigInt (a bigint), got the number 1',
    );
    expect(refused(() => checkId(intId(), 'post', 1.5)).message).toMatch(/got the number 1.5$/);
    expect(refused(() => checkId(intId(), 'post', 2 ** 53)).message).toMatch(/safe integer/);
    expect(refused(() => checkId(stringId(), 'hero', undefined)).message).toBe(
      'hero id: expected a string, got undefined',
    );
    expect(refused(() => checkId(stringId(), 'hero', 'a\uD800')).message).toMatch(/expected a string/);
    expect(refused(() => checkId(member, 'membership', { userId: 1 })).message).toBe(
      'membership id: expected a composite id { userId: Int, articleId: Int }, got { userId: 1 }',
    );
    refused(() => checkId(member, 'membership', { userId: 1, articleId: 2, extra: 3 }));
    refused(() => checkId(member, 'membership', { userId: 1, articleId: '2' }));
    refused(() => checkId(member, 'membership', [1, 2]));
  });

  it('refuses a composite id declaration without fields or with an unknown kind', () => {
    expect(() => compositeId({})).toThrow(InvalidIdError);
    expect(() => compositeId({ a: 'float' } as never)).toThrow(/expected 'string', 'int' or 'bigint'/);
  });
});
