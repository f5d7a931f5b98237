/**
 * Copies of decoded cache values, so that one decoded value can be handed to many readers (a
 * near-cache entry, readers sharing one GET, waiters of one load) while a caller that mutates
 * what it got cannot change what any other read returns.
 *
 * Only plain data is copied: primitives, plain objects, arrays, `Date`, `Map` and `Set`, which
 * is everything superjson decodes except custom types. A value holding any other object (a
 * value-object instance rebuilt by a serializer codec, a RegExp, a URL, an Error, a typed
 * array, a subclass of Date...) is not copyable: only the serializer can rebuild it exactly (a
 * codec may intern instances, e.g. `StoryLength.fromName`), so such values are decoded again
 * from their stored string instead. Copying a 500-byte entity takes well under a microsecond;
 * decoding it with superjson takes several (`npm run bench`).
 */

const objectProto = Object.prototype;
const arrayProto = Array.prototype;
const dateProto = Date.prototype;
const mapProto = Map.prototype;
const setProto = Set.prototype;

/** True when {@link copyValue} can copy `value` exactly (see the module comment). */
export function isCopyable(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return typeof value !== 'function' && typeof value !== 'symbol';
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === arrayProto) {
    const array = value as unknown[];
    for (let i = 0; i < array.length; i += 1) if (!isCopyable(array[i])) return false;
    return true;
  }
  if (proto === objectProto || proto === null) {
    for (const key in value as Record<string, unknown>) {
      if (Object.prototype.hasOwnProperty.call(value, key) && !isCopyable((value as Record<string, unknown>)[key]))
        return false;
    }
    // Symbol keys and non-enumerable properties are never produced by a decoder; refuse them rather than drop them.
    return Object.getOwnPropertySymbols(value).length === 0;
  }
  if (proto === dateProto) return true;
  if (proto === mapProto) {
    for (const [key, item] of value as Map<unknown, unknown>) if (!isCopyable(key) || !isCopyable(item)) return false;
    return true;
  }
  if (proto === setProto) {
    for (const item of value as Set<unknown>) if (!isCopyable(item)) return false;
    return true;
  }
  return false;
}

/**
 * A deep copy of a value for which {@link isCopyable} is true: new objects, arrays, Dates,
 * Maps and Sets, same primitives. An own property named `__proto__` is copied as a property.
 */
export function copyValue<V>(value: V): V {
  return copy(value) as V;
}

function copy(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === objectProto) {
    // A spread copies own enumerable properties fastest, and defines `__proto__` as a property.
    const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const key in out) {
      const item = out[key];
      if (typeof item !== 'object' || item === null) continue;
      if (key === '__proto__')
        Object.defineProperty(out, key, { value: copy(item), enumerable: true, writable: true, configurable: true });
      else out[key] = copy(item);
    }
    return out;
  }
  if (proto === dateProto) return new Date((value as Date).getTime());
  if (proto === arrayProto) {
    const source = value as unknown[];
    const length = source.length;
    const out = new Array<unknown>(length);
    for (let i = 0; i < length; i += 1) out[i] = copy(source[i]);
    return out;
  }
  if (proto === null) {
    const out = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(value)) out[key] = copy((value as Record<string, unknown>)[key]);
    return out;
  }
  if (proto === mapProto) {
    const out = new Map<unknown, unknown>();
    for (const [key, item] of value as Map<unknown, unknown>) out.set(copy(key), copy(item));
    return out;
  }
  if (proto === setProto) {
    const out = new Set<unknown>();
    for (const item of value as Set<unknown>) out.add(copy(item));
    return out;
  }
  // Unreachable for values that passed isCopyable.
  throw new TypeError('copyValue: value is not copyable');
}
