import { formatId, InvalidIdError } from '../errors';

/**
 * Ids of every type Prisma allows for a primary key: `String` (string), `Int` (number), `BigInt` (bigint) and
 * composite keys (`@@id([userId, articleId])`, an object of such scalars). A strategy declares the type of its
 * entity's ids with one {@link IdCodec}; the cache checks every id a caller passes with it (a clear
 * {@link InvalidIdError} instead of a wrong key or a database error) and uses it wherever ids are compared: the
 * entity an entry holds against the id of its key, `findByIds`' duplicates and batch loads, the keys remembered per id.
 *
 * Keys are not the codec's business: the strategy's `entityKey(id)` builds them with a key schema, whose encoding is
 * injective for every value of one type (`key-schema.ts`). Since a strategy has one id type, a number id `1` and a
 * string id `"1"` never meet in one strategy's keys.
 */

/** A scalar id: a String, Int or BigInt primary key. */
export type IdScalar = string | number | bigint;

/** The kinds of scalar ids: `'string'` (String), `'int'` (Int: a safe integer) and `'bigint'` (BigInt). */
export type IdScalarKind = 'string' | 'int' | 'bigint';

/** The TypeScript type of the ids of a scalar kind: `'int'` gives `number`. */
export type IdScalarOf<K extends IdScalarKind> = K extends 'string' ? string : K extends 'int' ? number : bigint;

/**
 * Any id an entity may have: a scalar, or an object of scalars (a composite id, declared as an interface or a type).
 * Which ids a strategy accepts is its {@link IdCodec}'s business.
 */
export type EntityId = IdScalar | object;

/** How the ids of one entity type are told apart; build one with {@link stringId}, {@link intId}, ... */
export interface IdCodec<Id> {
  /** `'string'`, `'int'`, `'bigint'`, or `'composite'` for an object of those. */
  readonly kind: IdScalarKind | 'composite';
  /** The fields of a composite id in their declared order (`['userId', 'articleId']`); empty for a scalar id. */
  readonly fields: readonly string[];
  /** The ids, for messages: `a string`, `an Int (a safe integer)`, `a composite id { userId: Int, ... }`. */
  readonly description: string;
  /** True when `value` is an id of this type (a composite id: a plain object with exactly its fields). */
  is(value: unknown): value is Id;
  /** True when `a` and `b` are the same id (a composite id: field by field). */
  equals(a: Id, b: Id): boolean;
  /** A text equal for the same id and different for different ids of this type: a Map key, never a cache key. */
  text(id: Id): string;
}

/** A lone surrogate (half of a UTF-16 pair): no UTF-8 form, so no key can hold it. */
const LONE_SURROGATE = /\p{Cs}/u;

interface ScalarRule {
  readonly description: string;
  is(value: unknown): boolean;
}

const SCALARS: Readonly<Record<IdScalarKind, ScalarRule>> = Object.freeze({
  string: Object.freeze({
    description: 'a string',
    is: (value: unknown) => typeof value === 'string' && !LONE_SURROGATE.test(value),
  }),
  int: Object.freeze({ description: 'an Int (a safe integer)', is: (value: unknown) => Number.isSafeInteger(value) }),
  bigint: Object.freeze({ description: 'a BigInt (a bigint)', is: (value: unknown) => typeof value === 'bigint' }),
});

function scalarCodec<Id extends IdScalar>(kind: IdScalarKind): IdCodec<Id> {
  const rule = SCALARS[kind];
  return Object.freeze({
    kind,
    fields: Object.freeze([]),
    description: rule.description,
    is: (value: unknown): value is Id => rule.is(value),
    equals: (a: Id, b: Id) => a === b,
    text: kind === 'string' ? (id: Id) => id as string : (id: Id) => String(id),
  });
}

/** String ids (Prisma `String @id`), the default of every strategy. Lone surrogates are refused (no key holds them). */
export function stringId<Id extends string = string>(): IdCodec<Id> {
  return scalarCodec<Id>('string');
}

/** Int ids (Prisma `Int @id`, e.g. `@default(autoincrement())`): safe integers, `Number.isSafeInteger`. */
export function intId<Id extends number = number>(): IdCodec<Id> {
  return scalarCodec<Id>('int');
}

/** BigInt ids (Prisma `BigInt @id`): bigints, never numbers (Prisma returns BigInt columns as bigint). */
export function bigIntId<Id extends bigint = bigint>(): IdCodec<Id> {
  return scalarCodec<Id>('bigint');
}

/** The id type of a composite id declared as `{ userId: 'int', articleId: 'int' }`. */
export type CompositeIdOf<S extends Readonly<Record<string, IdScalarKind>>> = {
  -readonly [K in keyof S]: IdScalarOf<S[K]>;
};

/**
 * Composite ids (Prisma `@@id([userId, articleId])`): an object with exactly these fields, each of its kind, e.g.
 * `compositeId({ userId: 'int', articleId: 'int' })` for `{ userId: number; articleId: number }`. The order of the
 * fields is the order declared here (Prisma's compound key name joins them with `_`: `userId_articleId`).
 * @throws {InvalidIdError} when no field is given, or a field's kind is not `'string'`, `'int'` or `'bigint'`
 */
export function compositeId<const S extends Readonly<Record<string, IdScalarKind>>>(
  fields: S,
): IdCodec<CompositeIdOf<S>> {
  type Id = CompositeIdOf<S>;
  const entries = Object.entries(fields) as [string, IdScalarKind][];
  if (entries.length === 0) throw new InvalidIdError('A composite id needs at least one field');
  for (const [name, kind] of entries)
    if (!Object.prototype.hasOwnProperty.call(SCALARS, kind))
      throw new InvalidIdError(
        `Composite id field ${JSON.stringify(name)}: expected 'string', 'int' or 'bigint', got ${formatId(kind)}`,
      );
  const names = Object.freeze(entries.map(([name]) => name));
  const rules = entries.map(([name, kind]) => [name, SCALARS[kind]] as const);
  const record = (id: Id): Record<string, IdScalar> => id as unknown as Record<string, IdScalar>;
  return Object.freeze({
    kind: 'composite' as const,
    fields: names,
    description: `a composite id { ${entries.map(([name, kind]) => `${name}: ${KIND_NAMES[kind]}`).join(', ')} }`,
    is(value: unknown): value is Id {
      if (typeof value !== 'object' || value === null) return false;
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      if (Object.keys(value).length !== rules.length) return false;
      return rules.every(
        ([name, rule]) =>
          Object.prototype.hasOwnProperty.call(value, name) && rule.is((value as Record<string, unknown>)[name]),
      );
    },
    equals: (a: Id, b: Id) => names.every((name) => record(a)[name] === record(b)[name]),
    // JSON quotes a string (escaping quotes and lone surrogates): the parts cannot run into each other.
    text: (id: Id) =>
      names
        .map((name) => {
          const part = record(id)[name];
          return typeof part === 'string' ? JSON.stringify(part) : String(part);
        })
        .join(','),
  });
}

const KIND_NAMES: Readonly<Record<IdScalarKind, string>> = Object.freeze({
  string: 'String',
  int: 'Int',
  bigint: 'BigInt',
});

/**
 * `id` when it is an id of `codec`'s type, for a call on `entityType`'s repository.
 * @throws {InvalidIdError} naming the entity type, the id given and the ids expected (see {@link invalidIdError})
 */
export function checkId<Id>(codec: IdCodec<Id>, entityType: string, id: unknown): Id {
  if (codec.is(id)) return id;
  throw invalidIdError(codec, entityType, id);
}

/** The error for `id`, which is not an id of `codec`'s type: it names the entity type, the id and the ids expected. */
export function invalidIdError(codec: IdCodec<unknown>, entityType: string, id: unknown): InvalidIdError {
  const parser = codec.kind === 'int' ? 'Number' : 'BigInt';
  const parse =
    typeof id === 'string' && (codec.kind === 'int' || codec.kind === 'bigint')
      ? `: parse it first (an id from a URL or a form is a string), e.g. ${parser}(id)`
      : '';
  return new InvalidIdError(`${entityType} id: expected ${codec.description}, got ${describeGiven(id)}${parse}`);
}

function describeGiven(id: unknown): string {
  if (typeof id === 'string') return `the string ${formatId(id)}`;
  if (typeof id === 'number') return `the number ${id}`;
  return formatId(id);
}

/** `ids` without repeats (by {@link IdCodec.text}), each at its first position. */
export function distinctIdsOf<Id>(codec: IdCodec<Id>, ids: readonly Id[]): Id[] {
  return codec.kind === 'composite' ? distinctBy(ids, (id) => codec.text(id)) : [...new Set(ids)];
}

/** `items` without repeats by `textOf`, each at its first position. */
export function distinctBy<V>(items: readonly V[], textOf: (item: V) => string): V[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const text = textOf(item);
    if (seen.has(text)) return false;
    seen.add(text);
    return true;
  });
}
