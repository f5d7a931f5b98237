const tag = (value: unknown): string => Object.prototype.toString.call(value);

/**
 * Deep equality of data as repositories return it (null, primitives, Dates, arrays, plain
 * objects), strict about types (a Date never equals its ISO string, `null` never equals
 * `undefined`, a missing key never equals an `undefined` one) but blind to the JavaScript realm:
 * under jest, arrays built by a native addon (better-sqlite3) and arrays built in the test's
 * sandbox have different `Array.prototype`s, which `util.isDeepStrictEqual` tells apart.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null)
    return Number.isNaN(a) && Number.isNaN(b);
  if (tag(a) !== tag(b)) return false;
  if (tag(a) === '[object Date]') return (a as Date).getTime() === (b as Date).getTime();
  if (Array.isArray(a))
    return a.length === (b as unknown[]).length && a.every((item, index) => sameValue(item, (b as unknown[])[index]));
  const keysA = Object.keys(a).sort();
  const keysB = Object.keys(b).sort();
  return (
    sameValue(keysA, keysB) &&
    keysA.every((key) => sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]))
  );
}
