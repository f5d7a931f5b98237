import { isDeepStrictEqual } from 'node:util';

/**
 * The equality the consistency auditor compares a cached value with the base repository's answer by: Node's
 * `util.isDeepStrictEqual`, the comparison the strategy conformance suite asserts round trips with
 * (`assert.deepStrictEqual`, `src/testing/conformance-checks.ts`), so a value passes the audit exactly when the
 * conformance suite would call it given back as it was: same types (a Date never equals its ISO string, a value
 * object never equals a plain object with its fields), same nulls, no missing or extra keys.
 *
 * One difference, and only where `isDeepStrictEqual` says no: the built-in prototypes of another JavaScript realm
 * count as the same. A database driver's native addon, or a test runner's sandbox (jest), hands out arrays and
 * objects whose `Array.prototype` is not the application's, and `isDeepStrictEqual` tells them apart; that is not a
 * difference in data. A value object's class must still be the very same.
 */
export function sameData(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(a, b) || realmBlindEqual(a, b, 0);
}

/** Deeper than this, values are taken for different (a cycle, or not data a repository returns). */
const MAX_DEPTH = 64;
const tag = (value: object): string => Object.prototype.toString.call(value);

/** The built-in a prototype is, in whatever realm: `Object` for a plain object, else the constructor's name. */
function builtIn(proto: unknown): string | null {
  if (proto === null) return 'Object';
  if (typeof proto !== 'object') return null;
  const constructor = (proto as { constructor?: unknown }).constructor;
  if (typeof constructor !== 'function' || constructor.prototype !== proto) return null;
  const name = constructor.name;
  const parent: unknown = Object.getPrototypeOf(proto);
  // Object.prototype has no prototype; Array, Date, Map and Set prototypes inherit from their realm's Object's.
  if (name === 'Object') return parent === null ? name : null;
  return ['Array', 'Date', 'Map', 'Set'].includes(name) && builtIn(parent) === 'Object' ? name : null;
}

function samePrototype(a: object, b: object): boolean {
  const protoA: unknown = Object.getPrototypeOf(a);
  const protoB: unknown = Object.getPrototypeOf(b);
  if (protoA === protoB) return true;
  const kind = builtIn(protoA);
  return kind !== null && kind === builtIn(protoB);
}

function realmBlindEqual(a: unknown, b: unknown, depth: number): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (depth > MAX_DEPTH || tag(a) !== tag(b) || !samePrototype(a, b)) return false;
  switch (tag(a)) {
    case '[object Date]':
      if ((a as Date).getTime() !== (b as Date).getTime()) return false;
      break;
    case '[object Map]':
      if (!sameEntries([...(a as Map<unknown, unknown>)], [...(b as Map<unknown, unknown>)], depth)) return false;
      break;
    case '[object Set]':
      if (!sameEntries([...(a as Set<unknown>)], [...(b as Set<unknown>)], depth)) return false;
      break;
    case '[object Object]':
    case '[object Array]':
      break;
    default:
      // Other built-ins (RegExp, typed arrays, boxed primitives...) are not data a repository returns from another
      // realm: isDeepStrictEqual has said no already.
      return false;
  }
  return sameOwnProperties(a, b, depth);
}

/** Same own enumerable string and symbol keys (arrays: also the same length), with equal values. */
function sameOwnProperties(a: object, b: object, depth: number): boolean {
  if (Array.isArray(a) && a.length !== (b as unknown[]).length) return false;
  const keysA = ownEnumerableKeys(a);
  const keysB = ownEnumerableKeys(b);
  if (keysA.length !== keysB.length) return false;
  const record = (value: object): Record<PropertyKey, unknown> => value as Record<PropertyKey, unknown>;
  return keysA.every(
    (key) =>
      Object.prototype.propertyIsEnumerable.call(b, key) &&
      realmBlindEqual(record(a)[key as string], record(b)[key as string], depth + 1),
  );
}

function ownEnumerableKeys(value: object): PropertyKey[] {
  return [
    ...Object.keys(value),
    ...Object.getOwnPropertySymbols(value).filter((symbol) =>
      Object.prototype.propertyIsEnumerable.call(value, symbol),
    ),
  ];
}

/** The same members in any order (Map entries as [key, value] pairs, Set members as themselves), each matched once. */
function sameEntries(a: unknown[], b: unknown[], depth: number): boolean {
  if (a.length !== b.length) return false;
  const unmatched = [...b];
  for (const item of a) {
    const index = unmatched.findIndex((candidate) => realmBlindEqual(item, candidate, depth + 1));
    if (index === -1) return false;
    unmatched.splice(index, 1);
  }
  return true;
}
