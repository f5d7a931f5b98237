import fc from 'fast-check';
import { defineKeySchema, encodeKeyComponent, escapeGlob, KeyPatternError } from '../../../src/repository/key-schema';

describe('key schema', () => {
  const keys = defineKeySchema({ byId: 'book:{id}', all: 'book:all', byAuthor: 'book:author:{author}:{year}' });

  it('builds keys from patterns', () => {
    expect(keys.byId({ id: 'b1' })).toBe('book:b1');
    expect(keys.all()).toBe('book:all');
    expect(keys.byAuthor({ author: 'Ann Lee', year: 1999 })).toBe('book:author:Ann%20Lee:1999');
    expect(keys.$namespace).toBe('book');
  });

  it('escapes a value equal to a literal of the schema', () => {
    expect(keys.byId({ id: 'all' })).toBe('book:%61ll');
    expect(keys.byId({ id: 'author' })).not.toBe('book:author');
  });

  it('percent-encodes glob characters, separators and unicode', () => {
    expect(encodeKeyComponent('a*b?c[d]e:f\\g h%', new Set())).toBe('a%2Ab%3Fc%5Bd%5De%3Af%5Cg%20h%25');
    expect(encodeKeyComponent('Ζωή', new Set())).toBe('%CE%96%CF%89%CE%AE');
  });

  it('encodes a lone surrogate (valid in JSON, refused by encodeURIComponent) instead of throwing', () => {
    expect(encodeKeyComponent('a\ud800', new Set())).toBe('a%ED%A0%80');
    expect(encodeKeyComponent('\udc00\ud83d\ude00', new Set())).toBe('%ED%B0%80%F0%9F%98%80');
    expect(encodeKeyComponent('\ud800', new Set())).not.toBe(encodeKeyComponent('\ufffd', new Set()));
  });

  it('is injective over arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        fc.pre(a !== b);
        expect(keys.byId({ id: a })).not.toBe(keys.byId({ id: b }));
        expect(keys.byAuthor({ author: a, year: 1 })).not.toBe(keys.byAuthor({ author: b, year: 1 }));
      }),
      { numRuns: 1000 },
    );
  });

  it('never produces a raw glob metacharacter or separator from data', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        expect(encodeKeyComponent(value, new Set(['all']))).toMatch(/^[A-Za-z0-9%_.!~'()-]*$/);
      }),
    );
  });

  it('moves every key to a new namespace when the schema version is bumped', () => {
    const v2 = defineKeySchema({ byId: 'book:{id}', all: 'book:all' }, { version: 2 });
    expect(v2.byId({ id: 'b1' })).toBe('book-v2:b1');
    expect(v2.all()).toBe('book-v2:all');
    expect(v2.$namespace).toBe('book-v2');
    expect(() => defineKeySchema({ a: 'x:{id}' }, { version: 0 })).toThrow(KeyPatternError);
  });

  it('rejects malformed patterns and missing values', () => {
    expect(() => defineKeySchema({ a: 'x:{id}', b: 'y:all' })).toThrow(KeyPatternError);
    expect(() => defineKeySchema({ a: 'x:*' })).toThrow(KeyPatternError);
    expect(() => defineKeySchema({ a: '{id}:x' })).toThrow(KeyPatternError);
    expect(() => (keys.byId as (params: unknown) => string)({})).toThrow(/missing value for \{id\}/);
  });

  it('escapes glob metacharacters for SCAN MATCH', () => {
    expect(escapeGlob('a*b?[c]\\')).toBe('a\\*b\\?\\[c\\]\\\\');
  });

  describe('properties over every pattern of a schema', () => {
    const schema = defineKeySchema({
      byId: 'deck:{id}',
      list: 'deck:list',
      byLevel: 'deck:list:level:{level}',
      full: 'deck:{id}:full',
      exact: 'deck:exact:{name}:{age}:{level}',
    });
    /**
     * Code units as data can hold them, lone surrogates included (a JSON body may carry "\ud800"): the 'binary' unit
     * never produces those on its own. Literal words of the schema come up often, to hit the reserved-word escape.
     */
    const unit = fc.oneof(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      fc.constantFrom('\ud800', '\udfff', '\udbff', ':', '*', '%', '\\', '[', '?'),
    );
    const component = fc.oneof(
      fc.string({ unit, maxLength: 6 }),
      fc.constantFrom('list', 'level', 'full', 'exact', 'deck', '', '%6Cist', 'list:level'),
      fc.integer(),
    );
    /** One call of one builder: the pattern's name and its parameters. */
    const call = fc.oneof(
      fc.record({ name: fc.constant('byId' as const), params: fc.record({ id: component }) }),
      fc.record({ name: fc.constant('list' as const), params: fc.constant({}) }),
      fc.record({ name: fc.constant('byLevel' as const), params: fc.record({ level: component }) }),
      fc.record({ name: fc.constant('full' as const), params: fc.record({ id: component }) }),
      fc.record({
        name: fc.constant('exact' as const),
        params: fc.record({ name: component, age: component, level: component }),
      }),
    );
    const build = ({ name, params }: { name: string; params: Record<string, string | number> }): string =>
      (schema as unknown as Record<string, (params: Record<string, string | number>) => string>)[name]!(params);
    /** A call as the key sees it: a number and its decimal string are the same value. */
    const identity = ({ name, params }: { name: string; params: Record<string, string | number> }): string =>
      JSON.stringify([name, Object.entries(params).map(([key, value]) => [key, String(value)])]);

    it('never builds one key from two different calls, whichever patterns they are of', () => {
      fc.assert(
        fc.property(call, call, (a, b) => {
          fc.pre(identity(a) !== identity(b));
          expect(build(a)).not.toBe(build(b));
        }),
        { numRuns: 3000 },
      );
    });

    it('never builds a key with an unescaped glob character, a space or a newline', () => {
      fc.assert(
        fc.property(call, (one) => {
          const key = build(one);
          expect(key).not.toMatch(/[*?[\]\\\s]/);
          expect(escapeGlob(key)).toBe(key);
        }),
        { numRuns: 3000 },
      );
    });
  });
});
