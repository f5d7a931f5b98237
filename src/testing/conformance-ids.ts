import assert from 'node:assert/strict';
import type { AnyEntity } from '../repository/entity';
import type { IdCodec, IdScalarKind } from '../repository/id-codec';
import type { ErasedCase } from './conformance-case';
import { describeValue, HOSTILE_STRINGS, seededRandom } from './conformance-values';

/**
 * Hostile ids of every id type a strategy may declare (its `IdCodec`), for the key checks of the conformance suite:
 * strings from the suite's hostile strings, Ints at the edges of the safe range and around the powers of ten (where a
 * text encoding could fold `1` and `10`), BigInts beyond the safe range, and composite ids varying one field at a time
 * and all together.
 */

/** Ints a key must keep apart: signs, zero, edges of 32 bits and of the safe range, powers of ten and neighbours. */
const HOSTILE_INTS: readonly number[] = Object.freeze([
  0,
  1,
  -1,
  2,
  9,
  10,
  11,
  100,
  101,
  1000,
  -10,
  2 ** 31 - 1,
  -(2 ** 31),
  2 ** 32,
  2 ** 53 - 1,
  -(2 ** 53 - 1),
  1e15,
  123_456_789,
]);

/** BigInts a key must keep apart: those of {@link HOSTILE_INTS}, and beyond 64 bits and the safe range. */
const HOSTILE_BIGINTS: readonly bigint[] = Object.freeze([
  ...HOSTILE_INTS.map((value) => BigInt(value)),
  2n ** 53n,
  2n ** 53n + 1n,
  2n ** 63n - 1n,
  -(2n ** 63n),
  2n ** 64n,
  10n ** 30n,
  -(10n ** 30n) - 7n,
]);

/** Hostile values of one scalar kind: the fixed ones, then `count` seeded ones. */
export function hostileScalars(kind: IdScalarKind, strings: readonly string[], seed: number, count: number): unknown[] {
  if (kind === 'string') return [...strings];
  const random = seededRandom(seed);
  const generated = Array.from({ length: count }, () => {
    const magnitude = 10 ** Math.floor(random() * 16);
    const value = Math.floor(random() * magnitude) * (random() < 0.3 ? -1 : 1);
    return Number.isSafeInteger(value) ? value : 0;
  });
  if (kind === 'int') return [...new Set([...HOSTILE_INTS, ...generated])];
  return [...new Set([...HOSTILE_BIGINTS, ...generated.map((value) => BigInt(value) * 1_000_003n)])];
}

/**
 * Hostile ids of `codec`'s type: scalars as {@link hostileScalars}; a composite id varies each field over its hostile
 * values with the other fields as in `sample` (a sample's id), then takes `count` seeded combinations. Only ids the
 * codec accepts (a string with a lone surrogate, for one, is refused before any key is built).
 */
export function hostileIds(
  codec: IdCodec<unknown>,
  sample: unknown,
  strings: readonly string[],
  seed: number,
  count: number,
): unknown[] {
  const kinds = codec.kind === 'composite' ? fieldKinds(codec, sample) : null;
  if (!kinds) return hostileScalars(codec.kind as IdScalarKind, strings, seed, count).filter((id) => codec.is(id));
  const values = kinds.map(
    ([name, kind], index) => [name, hostileScalars(kind, strings, seed + index, count)] as const,
  );
  const base = sample as Record<string, unknown>;
  const ids: Record<string, unknown>[] = [];
  for (const [name, hostile] of values) for (const value of hostile) ids.push({ ...base, [name]: value });
  const random = seededRandom(seed);
  for (let i = 0; i < count; i += 1)
    ids.push(
      Object.fromEntries(
        values.map(([name, hostile]) => [name, hostile[Math.floor(random() * hostile.length)]] as const),
      ),
    );
  return ids.filter((id) => codec.is(id));
}

/** The kinds of a composite id's fields, read off a valid id of it (`sample`); null when `sample` is not one. */
function fieldKinds(codec: IdCodec<unknown>, sample: unknown): [string, IdScalarKind][] | null {
  if (!codec.is(sample)) return null;
  return codec.fields.map((name) => {
    const value = (sample as Record<string, unknown>)[name];
    return [name, typeof value === 'string' ? 'string' : typeof value === 'bigint' ? 'bigint' : 'int'];
  });
}

/**
 * The samples' ids are of the strategy's id type, and its codec tells ids apart: the same text and `equals` for the
 * same id (also a copy of a composite one), different texts for different ids.
 */
export function checkIds(subject: ErasedCase): void {
  const { ids } = subject.strategy;
  for (const sample of subject.samples)
    assert.ok(
      ids.is(sample.id),
      `${subject.label}: the sample id ${describeValue(sample.id)} is not ${ids.description}, the strategy's id type`,
    );
  const texts = new Map<string, unknown>();
  const first = (subject.samples[0] as AnyEntity).id;
  for (const id of hostileIds(ids, first, HOSTILE_STRINGS, subject.seed, 50)) {
    const copy = typeof id === 'object' && id !== null ? { ...id } : id;
    assert.ok(
      ids.equals(id, copy) && ids.text(id) === ids.text(copy),
      `${subject.label}: ${describeValue(id)} is not itself`,
    );
    const previous = texts.get(ids.text(id));
    assert.ok(
      previous === undefined || ids.equals(previous, id),
      `${subject.label}: the ids ${describeValue(previous)} and ${describeValue(id)} have the same text ` +
        describeValue(ids.text(id)),
    );
    texts.set(ids.text(id), id);
  }
}
