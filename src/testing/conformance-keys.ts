import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import type { AnyEntity } from '../repository/entity';
import type { ErasedCase } from './conformance-case';
import { describeValue, generateHostileStrings, HOSTILE_STRINGS, withField } from './conformance-values';
import { hostileIds } from './conformance-ids';
import { cachedQueries, keysHolding } from './conformance-queries';

type Entity = AnyEntity;

const GLOB_CHARACTERS = /[*?[\]\\]/;
const show = (value: unknown): string =>
  inspect(value, { depth: 6, breakLength: Infinity, maxStringLength: Infinity, maxArrayLength: Infinity });

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

/**
 * Where a key came from: `identity` tells calls apart exactly, `label` names the call in messages, `collection` names
 * the collection query that gave it (several collection queries may read one collection: pages by offset and by
 * cursor of one tag share its key).
 */
interface Origin {
  identity: string;
  label: string;
  collection?: string;
}

/** Whether two origins of one key are a collision: two calls of one query, or of anything but collection queries. */
function collide(a: Origin, b: Origin): boolean {
  if (a.identity === b.identity) return false;
  return a.collection === undefined || b.collection === undefined || a.collection === b.collection;
}

/** Records that `origin` gave `key`; fails when another call gave the same key (the keys are not injective). */
function assertOnlyOrigin(subject: ErasedCase, origins: Map<string, Origin[]>, key: string, origin: Origin): void {
  const previous = origins.get(key) ?? [];
  const other = previous.find((known) => collide(known, origin));
  assert.ok(
    other === undefined,
    `${subject.label}: ${origin.label} and ${other?.label} both give the key ${describeValue(key)} ` +
      `(seed ${subject.seed})`,
  );
  if (!previous.some((known) => known.identity === origin.identity)) origins.set(key, [...previous, origin]);
}

/**
 * No raw glob character, the expected number of `:`-segments, inside the strategy's namespaces (which
 * `invalidateCache()` clears); a collection key has no `@` either (its pages' keys are `{collection}@...`).
 */
function assertSafeKey(subject: ErasedCase, key: string, segments: number, origin: string, collection = false): void {
  const context = `${subject.label}: ${origin} gives ${describeValue(key)} (seed ${subject.seed})`;
  assert.ok(!GLOB_CHARACTERS.test(key), `${context}, with a raw glob character (* ? [ ] \\)`);
  assert.ok(!collection || !key.includes('@'), `${context}, a collection key with a raw @`);
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
 * namespaces (entity keys), and injective across every entity key and query key (a collection key may be shared by
 * calls of different collection queries, never by two calls of one query with different arguments).
 */
export function checkKeyEncoding(subject: ErasedCase): void {
  const hostile = hostileStrings(subject);
  const origins = new Map<string, Origin[]>();
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
      queries.map(({ name, key, calls }) => {
        const [args] = calls(sample);
        return [name, args === undefined ? undefined : key(...args).split(':').length];
      }),
    );
    for (const [field, value] of Object.entries(sample)) {
      const open = subject.alternatives[field] === undefined;
      const isStrings =
        typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string'));
      if (!open || !isStrings) continue;
      for (const text of hostile) {
        const entity = withField(sample, field, Array.isArray(value) ? [text] : text);
        for (const { name, key, calls, collection } of queries) {
          for (const args of calls(entity)) {
            const origin = {
              identity: `${name}(${args.map(show).join(', ')})`,
              label: `${name}(${args.map(describeValue).join(', ')})`,
              collection: collection ? name : undefined,
            };
            const queryKey = key(...args);
            const segments = baseline.get(name) ?? queryKey.split(':').length;
            baseline.set(name, segments);
            const where = `${origin.label} (${field} = ${describeValue(text)})`;
            assertSafeKey(subject, queryKey, segments, where, collection);
            assertOnlyOrigin(subject, origins, queryKey, origin);
          }
        }
      }
    }
  }
}
