import assert from 'node:assert/strict';
import type { AnyEntity } from '../repository/entity';
import type { ErasedCase } from './conformance-case';
import { describeValue } from './conformance-values';

type Entity = AnyEntity;

/** One cached query of a strategy, as the conformance checks use it. */
export interface CachedQuery {
  readonly name: string;
  /** True for a collection query: `key` gives the collection key, which every page of the collection shares. */
  readonly collection: boolean;
  /** The key a call invalidates: the query's key, or its collection's key. */
  key(...args: readonly unknown[]): string;
  /** The arguments of every call whose result holds `entity` (the user's holding function, one call or several). */
  calls(entity: Entity): readonly (readonly unknown[])[];
}

/** One key the strategy must name, and why. */
export interface ExpectedKey {
  key: string;
  why: string;
}

/**
 * The cached queries (from `strategy.queries`, never from the user's table) with the user's holding function of each.
 */
export function cachedQueries(subject: ErasedCase): CachedQuery[] {
  return Object.entries(subject.strategy.queries).flatMap(([name, policy]) => {
    if (!policy) return [];
    const holding = subject.holding[name];
    assert.ok(
      typeof holding === 'function',
      `${subject.label}: the strategy caches ${name}, so holding.${name} must give the arguments ` +
        `of the ${name} call whose result holds an entity (or null), got ${describeValue(holding)}`,
    );
    const keyOf = policy.collection ?? policy.key;
    assert.ok(typeof keyOf === 'function', `${subject.label}: the ${name} policy has neither key nor collection`);
    const calls = (entity: Entity): readonly (readonly unknown[])[] => callsOf(subject, name, holding(entity));
    return [{ name, collection: policy.collection !== undefined, key: (...args) => keyOf(...args), calls }];
  });
}

/** One call's arguments, `{ calls: [...] }` or null, as a list of calls. */
function callsOf(subject: ErasedCase, name: string, held: unknown): readonly (readonly unknown[])[] {
  if (held === null) return [];
  if (Array.isArray(held)) return [held];
  const calls = typeof held === 'object' ? (held as { calls?: unknown }).calls : undefined;
  assert.ok(
    Array.isArray(calls) && calls.every((call) => Array.isArray(call)),
    `${subject.label}: holding.${name} must return one call's arguments (an array), { calls: [arguments, ...] } ` +
      `or null, got ${describeValue(held)}`,
  );
  return calls as readonly (readonly unknown[])[];
}

/** The keys of every cached query call whose result holds `entity`, as `why` says. */
export function keysHolding(subject: ErasedCase, entity: Entity, state: string): ExpectedKey[] {
  return cachedQueries(subject).flatMap(({ name, key, calls }) =>
    calls(entity).map((args) => ({
      key: key(...args),
      why: `${name}(${args.map(describeValue).join(', ')}) holds the ${state}`,
    })),
  );
}
