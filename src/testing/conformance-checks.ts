import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import type { AnyEntity } from '../repository/entity';
import { CorruptEntryError } from '../errors';
import type { ErasedCase } from './conformance-case';
import { describeValue, generateHostileStrings, HOSTILE_STRINGS, variantsOf, withField } from './conformance-values';
import { hostileIds } from './conformance-ids';

export type { ErasedCase, ErasedStrategy } from './conformance-case';

type Entity = AnyEntity;

/**
 * The checks of the strategy conformance suite, on a strategy with its types erased (the
 * typed entry points are in `conformance.ts`). Each check throws an `AssertionError` from
 * `node:assert/strict` naming the input that broke it, so it runs under any test runner.
 */

/** One key the strategy must name, and why. */
interface ExpectedKey {
  key: string;
  why: string;
}

/** A change of one sample: `after` differs from `before` in the field(s) `what` names. */
interface Change {
  before: Entity;
  after: Entity;
  what: string;
}

const GLOB_CHARACTERS = /[*?[\]\\]/;
const show = (value: unknown): string =>
  inspect(value, { depth: 6, breakLength: Infinity, maxStringLength: Infinity, maxArrayLength: Infinity });

/**
 * The cached queries (from `strategy.queries`, never from the user's table) with the user's holding function of each.
 */
function cachedQueries(subject: ErasedCase): {
  name: string;
  key: (...args: readonly unknown[]) => string;
  holding: (entity: Entity) => readonly unknown[] | null;
}[] {
  return Object.entries(subject.strategy.queries).flatMap(([name, policy]) => {
    if (!policy) return [];
    const holding = subject.holding[name];
    assert.ok(
      typeof holding === 'function',
      `${subject.label}: the strategy caches ${name}, so holding.${name} must give the arguments ` +
        `of the ${name} call whose result holds an entity (or null), got ${describeValue(holding)}`,
    );
    return [{ name, key: (...args: readonly unknown[]) => policy.key(...args), holding }];
  });
}

/** The keys of every cached query call whose result holds `entity`, as `why` says. */
function keysHolding(subject: ErasedCase, entity: Entity, state: string): ExpectedKey[] {
  return cachedQueries(subject).flatMap(({ name, key, holding }) => {
    const args = holding(entity);
    return args === null
      ? []
      : [{ key: key(...args), why: `${name}(${args.map(describeValue).join(', ')}) holds the ${state}` }];
  });
}

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

function hostileStrings(subject: ErasedCase): string[] {
  const sampleKeys = subject.samples.flatMap((sample) => [
    subject.strategy.entityKey(sample.id),
    ...keysHolding(subject, sample, 'sample').map(({ key }) => key),
  ]);
  const words = [...new Set(sampleKeys.flatMap((key) => key.split(':')))];
  return [
    ...new Set([
      ...HOSTILE_STRINGS,
      ...words,
      ...generateHostileStrings(subject.seed, subject.generatedStrings, words),
    ]),
  ];
}

/** Where a key came from: `identity` tells calls apart exactly, `label` names the call in messages. */
interface Origin {
  identity: string;
  label: string;
}

/** Records that `origin` gave `key`; fails when another call gave the same key (the keys are not injective). */
function assertOnlyOrigin(subject: ErasedCase, origins: Map<string, Origin>, key: string, origin: Origin): void {
  const previous = origins.get(key);
  assert.ok(
    previous === undefined || previous.identity === origin.identity,
    `${subject.label}: ${origin.label} and ${previous?.label} both give the key ` +
      `${describeValue(key)} (seed ${subject.seed})`,
  );
  origins.set(key, origin);
}

/**
 * No raw glob character, the expected number of `:`-segments, inside the strategy's namespaces (which
 * `invalidateCache()` clears).
 */
function assertSafeKey(subject: ErasedCase, key: string, segments: number, origin: string): void {
  const context = `${subject.label}: ${origin} gives ${describeValue(key)} (seed ${subject.seed})`;
  assert.ok(!GLOB_CHARACTERS.test(key), `${context}, with a raw glob character (* ? [ ] \\)`);
  assert.equal(
    key.split(':').length,
    segments,
    `${context}, with ${key.split(':').length} ':'-segments instead of ${segments}`,
  );
  assert.ok(
    subject.strategy.namespaces.some((namespace) => key.startsWith(`${namespace}:`)),
    `${context}, outside its namespaces ${subject.strategy.namespaces.join(', ')}`,
  );
}

/**
 * Keys under hostile ids and hostile values of every open string field (and string-array
 * field): no raw glob character, as many `:`-segments as the sample's key, in the strategy's
 * namespaces (entity keys), and injective across every entity key and query key.
 */
export function checkKeyEncoding(subject: ErasedCase): void {
  const hostile = hostileStrings(subject);
  const origins = new Map<string, Origin>();
  const first = subject.samples[0] as Entity;
  const entitySegments = subject.strategy.entityKey(first.id).split(':').length;
  const ids = hostileIds(subject.strategy.ids, first.id, hostile, subject.seed, subject.generatedStrings);
  for (const id of ids) {
    const origin = { identity: `entityKey(${show(id)})`, label: `entityKey(${describeValue(id)})` };
    const key = subject.strategy.entityKey(id);
    assertSafeKey(subject, key, entitySegments, origin.label);
    assertOnlyOrigin(subject, origins, key, origin);
  }
  const queries = cachedQueries(subject);
  for (const sample of subject.samples) {
    const baseline = new Map(
      queries.map(({ name, key, holding }) => {
        const args = holding(sample);
        return [name, args === null ? undefined : key(...args).split(':').length];
      }),
    );
    for (const [field, value] of Object.entries(sample)) {
      const open = subject.alternatives[field] === undefined;
      const isStrings =
        typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string'));
      if (!open || !isStrings) continue;
      for (const text of hostile) {
        const entity = withField(sample, field, Array.isArray(value) ? [text] : text);
        for (const { name, key, holding } of queries) {
          const args = holding(entity);
          if (args === null) continue;
          const origin = {
            identity: `${name}(${args.map(show).join(', ')})`,
            label: `${name}(${args.map(describeValue).join(', ')})`,
          };
          const queryKey = key(...args);
          const segments = baseline.get(name) ?? queryKey.split(':').length;
          baseline.set(name, segments);
          assertSafeKey(subject, queryKey, segments, `${origin.label} (${field} = ${describeValue(text)})`);
          assertOnlyOrigin(subject, origins, queryKey, origin);
        }
      }
    }
  }
}
