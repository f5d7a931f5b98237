import { createHash } from 'node:crypto';
import { types } from 'node:util';
import { StrategyError } from '../errors';
import { encodeKeyComponent } from './key-schema';

/**
 * The variant of a collection query call: what tells its pages (or filters) apart inside one collection, as the last
 * part of the page key `{collection}@{generation}:{variant}` (`cached-queries.ts`).
 *
 * The encoding is canonical and injective: equal values give the same text, different ones different texts, with
 * types told apart. Each value gets a tag: `u` undefined, `n` null, `t`/`f` booleans, `d` a number (`d10`, `d-0`,
 * `dNaN`), `b` a bigint (`b10`), `D` a Date (its time in ms, `DNaN` when invalid), `'...'` a string
 * (percent-encoded as a key component is, and `'` as `%27`, so it never holds a raw `'`, `*`, `:` or space), `(a,b)`
 * an array, `{'k':v}` a plain object with its keys sorted. So `1` and `'1'` differ (`d1`, `'1'`), `{a: 1, b: 2}`
 * and `{b: 2, a: 1}` are the same, and `{cursor: undefined}` differs from `{}`. The text never holds a glob
 * character (`* ? [ ] \`).
 *
 * A text longer than {@link MAX_VARIANT_LENGTH} characters is replaced by `#` and its SHA-256 (base64url, 43
 * characters), which bounds the key's length; `#` starts no unhashed text, so the two never meet.
 */

/** Longest variant text kept as is; a longer one is hashed. */
export const MAX_VARIANT_LENGTH = 200;

/** What a strategy's `variant(...args)` may return (encoded like the default, so a string and a number differ). */
export type CollectionVariant = string | number | Readonly<Record<string, string | number | bigint | boolean | null>>;

/**
 * The variant text of `value` (a call's arguments, or what the policy's `variant` returned).
 * @param where names the query in error messages, e.g. `article.findByTag`
 * @throws {StrategyError} for a value that cannot be encoded without collisions: a function, a symbol, an object
 *   that is not plain (a class instance, a Map, a Set, a boxed primitive), an object with symbol keys, or a cycle;
 *   give the query a `variant` function that picks encodable values then
 */
export function encodeVariant(value: unknown, where: string): string {
  const text = encode(value, where, []);
  return text.length > MAX_VARIANT_LENGTH ? `#${createHash('sha256').update(text).digest('base64url')}` : text;
}

function encode(value: unknown, where: string, path: readonly object[]): string {
  switch (typeof value) {
    case 'undefined':
      return 'u';
    case 'boolean':
      return value ? 't' : 'f';
    case 'number':
      return `d${Object.is(value, -0) ? '-0' : String(value)}`;
    case 'bigint':
      return `b${value.toString()}`;
    case 'string':
      // No reserved words: a variant is never a key component on its own (the `'` around it tells it apart).
      return `'${encodeKeyComponent(value, new Set()).replace(/'/g, '%27')}'`;
    case 'object':
      return value === null ? 'n' : encodeObject(value, where, path);
    default:
      throw unencodable(where, `a ${typeof value}`);
  }
}

function encodeObject(value: object, where: string, path: readonly object[]): string {
  if (path.includes(value)) throw unencodable(where, 'a cycle');
  const inner = [...path, value];
  if (types.isDate(value)) return `D${value.getTime()}`;
  if (Array.isArray(value)) {
    const items: string[] = [];
    for (let index = 0; index < value.length; index += 1) items.push(encode(value[index], where, inner));
    return `(${items.join(',')})`;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  // A plain object's prototype is Object.prototype (of any realm: a jest or vm context has its own) or null.
  if (prototype !== null && Object.getPrototypeOf(prototype) !== null)
    throw unencodable(where, `an instance of ${(value.constructor as { name?: string } | undefined)?.name ?? '?'}`);
  if (Object.getOwnPropertySymbols(value).length > 0) throw unencodable(where, 'an object with symbol keys');
  const record = value as Record<string, unknown>;
  // Sorted by UTF-16 code units, as Array.prototype.sort does: the same keys in any order give the same text.
  const fields = Object.keys(record)
    .sort()
    .map((key) => `${encode(key, where, inner)}:${encode(record[key], where, inner)}`);
  return `{${fields.join(',')}}`;
}

function unencodable(where: string, what: string): StrategyError {
  return new StrategyError(
    `${where}: the arguments of a collection query hold ${what}, which has no canonical encoding to tell its pages ` +
      `apart by; give the query a variant(...args) that returns a string, a number or a record of plain values`,
  );
}
