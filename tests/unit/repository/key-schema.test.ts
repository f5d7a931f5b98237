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
});
