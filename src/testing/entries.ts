import { isLease, NEGATIVE_ENTRY } from '../protocol/lease';
import type { Serializer } from '../repository/serializer';

/**
 * What a raw Redis value at a cache key is, for audits in tests: a lease, a negative entry, an entry of this key, or
 * something else.
 */
export type InspectedEntry = { kind: 'lease' } | { kind: 'entry'; value: unknown } | { kind: 'foreign' };

/**
 * Decodes a raw value as the cache would at `key` (unprefixed), without checking its shape.
 * @throws {CorruptEntryError} when the entry names this key but does not decode
 */
export function inspectEntry(key: string, raw: string, serializer: Serializer): InspectedEntry {
  if (raw === NEGATIVE_ENTRY) return { kind: 'entry', value: null };
  if (isLease(raw)) return { kind: 'lease' };
  if (!raw.startsWith(`${key}\n`)) return { kind: 'foreign' };
  return { kind: 'entry', value: serializer.deserialize(raw.slice(key.length + 1)) };
}
