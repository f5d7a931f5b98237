import { NEGATIVE_ENTRY } from './lease';
import type { Serializer } from '../repository/serializer';
import type { IdCodec } from '../repository/id-codec';

/**
 * How a value is written in its key, and how a raw Redis value is accepted back.
 *
 * An entry is `{key}\n{serialized value}`: it names the key it was stored under (unprefixed;
 * keys are percent-encoded and never contain a newline). A value copied to another key, written
 * by another release or another application, or left by a bug in a key schema is therefore
 * rejected by one string comparison, before any parsing. `null` (negative caching, or a query
 * that found nothing) is the fixed {@link NEGATIVE_ENTRY}. After decoding, the value's shape is
 * checked ({@link EntryShape}); whatever fails any check is a corrupt entry: counted, read as
 * a miss, and replaced by the next load.
 */

/** Returned by {@link decodeEntry} for a raw value that is not a valid entry of the key. */
export const REJECTED: unique symbol = Symbol('rejected');

/**
 * What an entity held by an entry must look like: an `id` of its strategy's id type, and none of the fields the
 * strategy keeps out of the cache (an entry a release without that projection wrote is corrupt: replaced, not served).
 */
export interface EntityCheck {
  readonly ids: IdCodec<unknown>;
  readonly omitted: readonly string[];
}

/**
 * What a key may hold, checked structurally on every hit (cheap: no schema parse of fields).
 * - `entity`: the entity whose id is `id` (the id of the key), or null;
 * - `one`: an entity (an object with an id of its type, possibly with relations), or null;
 * - `list`: an array of entities;
 * - `value`: any value (a computed result, e.g. of a decorated service method), or null; only
 *   the key it names is checked.
 * Entities are checked with `entity` ({@link EntityCheck}).
 */
export type EntryShape =
  | { kind: 'entity'; id: unknown; entity: EntityCheck }
  | { kind: 'one'; entity: EntityCheck }
  | { kind: 'list'; entity: EntityCheck }
  | { kind: 'value' };

/** The raw value to store for `value` at `key`. */
export function encodeEntry(key: string, value: unknown, serializer: Serializer): string {
  return value === null ? NEGATIVE_ENTRY : `${key}\n${serializer.serialize(value)}`;
}

/** The value in `raw` if it is a valid entry of `key` with the expected shape, else {@link REJECTED}. */
export function decodeEntry(key: string, raw: string, serializer: Serializer, shape: EntryShape): unknown {
  const value = parseEntry(key, raw, serializer);
  return value !== REJECTED && hasShape(value, shape) ? value : REJECTED;
}

/** The value in `raw` if it is an entry of `key` (any shape; check it with {@link hasShape}), else {@link REJECTED}. */
export function parseEntry(key: string, raw: string, serializer: Serializer): unknown {
  if (raw === NEGATIVE_ENTRY) return null;
  if (raw.length <= key.length || raw.charCodeAt(key.length) !== 10 || !raw.startsWith(key)) return REJECTED;
  let value: unknown;
  try {
    value = serializer.deserialize(raw.slice(key.length + 1));
  } catch {
    return REJECTED;
  }
  // `null` is only ever written as NEGATIVE_ENTRY: a body that decodes to null is not ours.
  return value === null ? REJECTED : value;
}

/**
 * True when a decoded value has `shape` (structurally: no schema parse of fields); `null` (a negative entry) fits every
 * shape but `list`.
 */
export function hasShape(value: unknown, shape: EntryShape): boolean {
  if (value === null) return shape.kind !== 'list';
  switch (shape.kind) {
    case 'entity':
      return isEntity(value, shape.entity) && shape.entity.ids.equals(value.id, shape.id);
    case 'one':
      return isEntity(value, shape.entity);
    case 'list':
      return Array.isArray(value) && value.every((item) => isEntity(item, shape.entity));
    case 'value':
      return true;
  }
}

function isEntity(value: unknown, check: EntityCheck): value is { id: unknown } {
  if (typeof value !== 'object' || value === null || !check.ids.is((value as { id?: unknown }).id)) return false;
  const { omitted } = check;
  for (let i = 0; i < omitted.length; i += 1)
    if (Object.prototype.hasOwnProperty.call(value, omitted[i] as string)) return false;
  return true;
}
