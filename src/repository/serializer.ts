import { SuperJSON } from 'superjson';
import { CorruptEntryError } from '../errors';

export { CorruptEntryError };

/** Turns cached values into strings and back. */
export interface Serializer {
  serialize(value: unknown): string;
  /** @throws {CorruptEntryError} when `raw` is not something this serializer wrote. */
  deserialize(raw: string): unknown;
}

/**
 * How one value-object class crosses the cache: `toPlain` must return only JSON-compatible
 * data and `fromPlain` must rebuild (and so re-validate) the instance.
 */
export interface ValueObjectCodec<V, P = unknown> {
  /** Unique name stored in the entry's metadata, e.g. `Rating`. */
  name: string;
  isApplicable(value: unknown): value is V;
  toPlain(value: V): P;
  fromPlain(plain: P): V;
}

/** Helper for declaring a codec with the right types. */
export function valueObjectCodec<V, P>(codec: ValueObjectCodec<V, P>): ValueObjectCodec<V, P> {
  return codec;
}

/**
 * A superjson serializer (Dates, Maps, Sets, BigInts, undefined vs null kept) with the given
 * value-object codecs. Each serializer has its own superjson instance, so strategies never
 * share or clash over registrations.
 */
export function createSuperjsonSerializer(codecs: readonly ValueObjectCodec<unknown>[] = []): Serializer {
  const superjson = new SuperJSON();
  for (const codec of codecs) {
    superjson.registerCustom<unknown, never>(
      {
        isApplicable: (value): value is unknown => codec.isApplicable(value),
        serialize: (value) => codec.toPlain(value) as never,
        deserialize: (plain) => codec.fromPlain(plain),
      },
      codec.name,
    );
  }
  return {
    serialize: (value) => superjson.stringify(value),
    deserialize: (raw) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch (cause) {
        throw new CorruptEntryError('cache entry is not JSON', { cause });
      }
      if (typeof parsed !== 'object' || parsed === null || !('json' in parsed)) {
        throw new CorruptEntryError('cache entry is not a superjson document');
      }
      const dated = withDatesOnly(parsed as { json: unknown; meta?: unknown });
      if (dated !== NOT_FAST) return dated;
      try {
        return superjson.deserialize(parsed as Parameters<SuperJSON['deserialize']>[0]);
      } catch (cause) {
        throw new CorruptEntryError(`cache entry could not be decoded: ${(cause as Error).message}`, { cause });
      }
    },
  };
}

/** Returned by {@link withDatesOnly} for a document it leaves to superjson. */
const NOT_FAST: unique symbol = Symbol('not-fast');
/** Path segments superjson refuses (prototype pollution): such documents go to superjson, which throws. */
const FORBIDDEN_SEGMENTS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The decoded value of a freshly parsed superjson document whose only annotations are Dates at
 * plain paths (an entity's `createdAt`, `updatedAt`, a list of them: nearly every cache entry),
 * or {@link NOT_FAST} for anything else (custom types, undefined, Maps, Sets, BigInts, shared
 * references, escaped keys, a Date at the root), which superjson decodes itself.
 *
 * Same result as `superjson.deserialize` (the unit test checks it on generated values), without
 * its deep copy of the whole document before annotating it: the document here was just parsed
 * from the entry and belongs to nobody else. superjson 2.x writes `meta.values` as a flat map
 * from dotted paths (dots in keys escaped with a backslash) to `[type]` (its `plainer.ts`).
 */
function withDatesOnly(document: { json: unknown; meta?: unknown }): unknown {
  const { json, meta } = document;
  if (meta === undefined) return json;
  if (typeof meta !== 'object' || meta === null) return NOT_FAST;
  const { values, ...rest } = meta as { values?: unknown };
  for (const key in rest) if (key !== 'v') return NOT_FAST;
  if (typeof values !== 'object' || values === null || Array.isArray(values)) return NOT_FAST;
  const targets: { parent: Record<string, unknown>; key: string; text: string }[] = [];
  for (const path in values as Record<string, unknown>) {
    const annotation = (values as Record<string, unknown>)[path];
    if (!Array.isArray(annotation) || annotation.length !== 1 || annotation[0] !== 'Date' || path.includes('\\'))
      return NOT_FAST;
    const segments = path.split('.');
    let node: unknown = json;
    for (let i = 0; i < segments.length - 1; i += 1) node = ownChild(node, segments[i] as string);
    const key = segments[segments.length - 1] as string;
    const text = ownChild(node, key);
    if (typeof text !== 'string') return NOT_FAST;
    targets.push({ parent: node as Record<string, unknown>, key, text });
  }
  // Only once every path is known good: a document left to superjson must be untouched.
  for (const { parent, key, text } of targets) parent[key] = new Date(text);
  return json;
}

/** The own property `key` of an object or array, or undefined (also for a forbidden segment). */
function ownChild(node: unknown, key: string): unknown {
  if (
    typeof node !== 'object' ||
    node === null ||
    FORBIDDEN_SEGMENTS.has(key) ||
    !Object.prototype.hasOwnProperty.call(node, key)
  )
    return undefined;
  return (node as Record<string, unknown>)[key];
}
