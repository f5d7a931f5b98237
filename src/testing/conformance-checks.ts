import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import type { AnyEntity } from '../repository/entity';
import { CorruptEntryError } from '../errors';
import type { ErasedCase } from './conformance-case';
import { describeValue, variantsOf, withField } from './conformance-values';
import { keysHolding, type ExpectedKey } from './conformance-queries';

export type { ErasedCase, ErasedStrategy } from './conformance-case';

type Entity = AnyEntity;

/**
 * The checks of the strategy conformance suite, on a strategy with its types erased (the
 * typed entry points are in `conformance.ts`). Each check throws an `AssertionError` from
 * `node:assert/strict` naming the input that broke it, so it runs under any test runner.
 */

/** A change of one sample: `after` differs from `before` in the field(s) `what` names. */
interface Change {
  before: Entity;
  after: Entity;
  what: string;
}

const show = (value: unknown): string =>
  inspect(value, { depth: 6, breakLength: Infinity, maxStringLength: Infinity, maxArrayLength: Infinity });

function assertCovers(subject: ErasedCase, before: Entity | null, after: Entity | null, what: string): void {
  const keys = subject.strategy.affectedKeys(before, after);
  const expected: ExpectedKey[] = [];
  const entity = before ?? after;
  if (entity) expected.push({ key: subject.strategy.entityKey(entity.id), why: 'the entity itself' });
  if (before) expected.push(...keysHolding(subject, before, 'old state'));
  if (after) expected.push(...keysHolding(subject, after, 'new state'));
  const missing = expected.filter(({ key }) => !keys.includes(key)).map(({ key, why }) => `${key} (${why})`);
  assert.deepStrictEqual(missing, [], `${subject.label}: affectedKeys on ${what} misses ${missing.join(', ')}`);
  const repeated = keys.filter((key, index) => keys.indexOf(key) !== index);
  assert.deepStrictEqual(
    repeated,
    [],
    `${subject.label}: affectedKeys on ${what} names ${repeated.join(', ')} more than once`,
  );
}

/**
 * Every change of one field of each sample on its own, to each of its variants (see
 * `variantsOf`), and every sample changed into each other one (all fields at once).
 */
export function fieldChanges(subject: ErasedCase): Change[] {
  const changes: Change[] = [];
  for (const sample of subject.samples) {
    for (const [field, value] of Object.entries(sample)) {
      if (field === 'id') continue;
      const alternatives = subject.alternatives[field];
      const given = [
        ...(alternatives ?? []),
        ...subject.samples.map((other) => (other as unknown as Record<string, unknown>)[field]),
      ];
      for (const variant of variantsOf(value, given, alternatives !== undefined)) {
        changes.push({
          before: sample,
          after: withField(sample, field, variant),
          what: `an update of ${field} from ${describeValue(value)} to ${describeValue(variant)}`,
        });
      }
    }
    for (const other of subject.samples) {
      if (other !== sample)
        changes.push({
          before: sample,
          after: withField(other, 'id', sample.id),
          what: `an update of every field (sample ${describeValue(sample.id)} into ${describeValue(other.id)})`,
        });
    }
  }
  return changes;
}

/**
 * Round trip of every sample, every changed entity and lists of them: equal, with the same prototypes (Dates, value
 * objects).
 */
export function checkRoundTrip(subject: ErasedCase): void {
  const { serializer } = subject.strategy;
  const values: unknown[] = [
    ...subject.samples,
    ...fieldChanges(subject).map(({ after }) => after),
    [...subject.samples],
    [],
    null,
  ];
  for (const value of values) {
    assert.deepStrictEqual(
      serializer.deserialize(serializer.serialize(value)),
      value,
      `${subject.label}: the serializer does not give back ${show(value)} as it was (value or type)`,
    );
  }
}

/**
 * Entries the serializer did not write (not JSON, a truncated entry) are CorruptEntryError, which the cache reads as a
 * miss.
 */
export function checkRejectsForeignEntries(subject: ErasedCase): void {
  const written = subject.strategy.serializer.serialize(subject.samples[0]);
  for (const raw of ['not json', written.slice(0, Math.floor(written.length / 2))]) {
    // Not assert.throws(fn, CorruptEntryError): under jest, tests run in a vm context whose
    // Error is not node:assert's, so assert would take the class for a validation function.
    let thrown: unknown = undefined;
    try {
      subject.strategy.serializer.deserialize(raw);
    } catch (error) {
      thrown = error;
    }
    assert.ok(
      thrown instanceof CorruptEntryError,
      `${subject.label}: deserializing ${describeValue(raw)} must throw CorruptEntryError, got ` +
        `${thrown === undefined ? 'a value' : String(thrown)}`,
    );
  }
}

/** Every cached query has a holding function, and gives a key for every sample. */
export function checkHoldingDeclared(subject: ErasedCase): void {
  for (const sample of subject.samples) {
    for (const { key } of keysHolding(subject, sample, 'sample')) assert.equal(typeof key, 'string');
  }
}

/** A create and a delete name the entity key and the key of every query holding the entity. */
export function checkCreateAndDelete(subject: ErasedCase): void {
  const entities = [...subject.samples, ...fieldChanges(subject).map(({ after }) => after)];
  for (const entity of entities) {
    assertCovers(subject, null, entity, `a create of ${show(entity)}`);
    assertCovers(subject, entity, null, `a delete of ${show(entity)}`);
  }
}

/**
 * An update names the keys of every query holding the old state and every query holding the new one, each once,
 * whatever single field moved.
 */
export function checkUpdates(subject: ErasedCase): void {
  for (const { before, after, what } of fieldChanges(subject)) {
    assertCovers(subject, before, after, what);
    assertCovers(subject, after, before, `${what}, reversed`);
  }
}
