import type { CacheableQueryName, CacheStrategy } from '../repository/cache-strategy';
import type { AnyEntity } from '../repository/entity';
import type { OmittableField } from '../repository/projection';
import type { Repository } from '../repository/repository';
import {
  checkCreateAndDelete,
  checkHoldingDeclared,
  checkRejectsForeignEntries,
  checkRoundTrip,
  checkUpdates,
  type ErasedCase,
} from './conformance-checks';
import { checkIds } from './conformance-ids';
import { checkKeyEncoding } from './conformance-keys';

/**
 * The strategy conformance suite: what every {@link CacheStrategy} must do, checked against a
 * user's own strategy from a few sample entities. Runner-neutral: it takes the `describe` and
 * `it` of jest, vitest or `node:test`, and asserts with `node:assert/strict`.
 *
 * What it checks, per strategy:
 * - round trip: every sample (and every changed copy) comes back from the serializer equal,
 *   with the same prototypes (Dates, value objects), and foreign entries are CorruptEntryError;
 * - invalidation: the queries are those of `strategy.queries` (not a list the user writes), and
 *   `affectedKeys(before, after)` names, for a create, a delete and an update of each field of
 *   each sample on its own (and of all fields at once), the entity key and the key of every
 *   cached query call holding the old state or the new one (every call `holding` names: an entity in several lists of
 *   one query is checked in each), each key once; a collection query's key is its collection key;
 * - ids: the samples' ids are of the strategy's id type (`IdCodec`), which tells ids apart;
 * - keys: under hostile ids of the strategy's id type (strings, Ints, BigInts or composite ids: a fixed list and a
 *   seeded generator) and hostile field values, every key stays in the strategy's namespaces, has no raw
 *   `* ? [ ] \` and no extra `:` segment, and no two calls share a key.
 */

/** The arguments of the query method `K` of `R`, e.g. `[language: Language]`. */
export type QueryArguments<R, K> = K extends keyof R
  ? R[K] extends (...args: infer A) => Promise<unknown>
    ? A
    : never
  : never;

/**
 * For every cacheable query of `R` (`findAll` and each finder), the arguments of the call
 * whose cached result holds a given state of an entity (`null`: no call of it holds that
 * state, e.g. an inactive deck in the active list), or `false` for a query the strategy does
 * not cache. When several calls of one query hold the entity (an article in the list of each of its tags), give them
 * all as `{ calls: [...] }` ({@link HoldingCalls}): each call's key is checked. Every query must be listed: forgetting
 * one is a compile error.
 * @example { findAll: () => [], findByLanguage: (hero) => [hero.language],
 *   findByTag: (article) => ({ calls: article.tags.map((tag) => [tag, { limit: 20, offset: 0 }]) }) }
 */
export type QueriesHolding<T extends AnyEntity, R extends Repository<T>> = {
  readonly [K in CacheableQueryName<R, T>]:
    false | ((entity: T) => QueryArguments<R, K> | TupleContext | HoldingCalls<QueryArguments<R, K>> | null);
};

/**
 * Several calls of one query whose results hold an entity, each given by its arguments (an empty list: none does).
 * For a collection query (`collection(...args)` in its policy), one call per collection is enough: every page of a
 * collection has the collection's key.
 */
export interface HoldingCalls<A> {
  readonly calls: readonly (A | TupleContext)[];
}

/**
 * Makes `() => []` type as a tuple while `R` is still being inferred: TypeScript types an
 * array literal as a tuple when some member of its contextual type is a tuple, and
 * `QueryArguments<R, K>` is not resolved yet then. No value but `never` fits it.
 */
type TupleContext = readonly [never];

/**
 * Other values of chosen fields. A field listed here is enum-like: it varies only through these values and never gets
 * hostile strings.
 */
export type FieldAlternatives<T> = { readonly [K in keyof T]?: readonly T[K][] };

/** What the suite needs to know about one strategy. */
export interface StrategyConformanceCase<
  T extends AnyEntity,
  R extends Repository<T>,
  O extends OmittableField<T> = never,
> {
  /** Title of the suite. @default the strategy's entityType */
  name?: string;
  strategy: CacheStrategy<T, R, O>;
  /**
   * Sample entities: set every optional field in one and leave it null in another, so that
   * each field also varies between them. Each field of each sample is varied on its own.
   */
  samples: readonly [T, ...T[]];
  /** The query calls holding an entity: one entry per cacheable query, one call or several ({@link QueriesHolding}). */
  holding: QueriesHolding<T, R>;
  /**
   * Valid other values of enum-like fields (and any field whose values the built-in variants cannot make, such as value
   * objects).
   */
  alternatives?: FieldAlternatives<T>;
  /** Seed of the generated hostile strings; a failure message names it, to replay it. @default 1 */
  seed?: number;
  /** How many hostile strings to generate beyond the fixed list. @default 200 */
  generatedStrings?: number;
}

/** One named check of the suite; `run` throws an `AssertionError` when the strategy fails it. */
export interface ConformanceCheck {
  readonly name: string;
  run(): void;
}

/** A check that failed, with what it threw. */
export interface ConformanceFailure {
  readonly check: string;
  readonly error: unknown;
}

/** The `describe` and `it` of a test runner (jest, vitest, `node:test`, mocha). */
export interface ConformanceRunner {
  describe(name: string, body: () => void): unknown;
  it(name: string, body: () => void): unknown;
}

function erase<T extends AnyEntity, R extends Repository<T>, O extends OmittableField<T>>(
  testCase: StrategyConformanceCase<T, R, O>,
): ErasedCase {
  // The checks only call what the types above guarantee, with values built from the samples.
  return {
    label: testCase.name ?? testCase.strategy.entityType,
    strategy: testCase.strategy as unknown as ErasedCase['strategy'],
    samples: testCase.samples,
    holding: testCase.holding as unknown as ErasedCase['holding'],
    alternatives: (testCase.alternatives ?? {}) as ErasedCase['alternatives'],
    seed: testCase.seed ?? 1,
    generatedStrings: testCase.generatedStrings ?? 200,
  };
}

/** The checks of the suite for one strategy, to run by hand or under any runner. */
export function strategyConformanceChecks<
  T extends AnyEntity,
  R extends Repository<T>,
  O extends OmittableField<T> = never,
>(testCase: StrategyConformanceCase<T, R, O>): ConformanceCheck[] {
  const subject = erase(testCase);
  const check = (name: string, run: (erased: ErasedCase) => void): ConformanceCheck => ({
    name,
    run: () => run(subject),
  });
  return [
    check('declares, for every query the strategy caches, the call holding an entity', checkHoldingDeclared),
    check("takes the samples' ids as its id type, and tells ids apart", checkIds),
    check('round-trips entities and lists through its serializer with their types', checkRoundTrip),
    check('rejects entries it did not write as CorruptEntryError', checkRejectsForeignEntries),
    check('names the entity key and every query holding the entity on create and delete', checkCreateAndDelete),
    check('names every query holding the old or the new state when any field changes, once each', checkUpdates),
    check(
      'keeps keys injective, in its namespaces, without glob characters or extra segments under hostile ids and values',
      checkKeyEncoding,
    ),
  ];
}

/** Runs every check and returns those that failed (an empty list when the strategy conforms). */
export function findConformanceFailures<
  T extends AnyEntity,
  R extends Repository<T>,
  O extends OmittableField<T> = never,
>(testCase: StrategyConformanceCase<T, R, O>): ConformanceFailure[] {
  const failures: ConformanceFailure[] = [];
  for (const { name, run } of strategyConformanceChecks(testCase)) {
    try {
      run();
    } catch (error) {
      failures.push({ check: name, error });
    }
  }
  return failures;
}

/**
 * Registers the suite with a test runner: one `describe` named after the strategy, one `it`
 * per check.
 * @example
 * import { describe, it } from 'node:test'; // or jest's / vitest's globals
 * runStrategyConformance({ describe, it }, {
 *   strategy: bookStrategy,
 *   samples: [{ id: 'b1', title: 'Dune', author: 'Frank Herbert', publishedAt: new Date('1965-08-01') }],
 *   holding: { findAll: () => [], findByAuthor: (book) => [book.author] },
 * });
 */
export function runStrategyConformance<
  T extends AnyEntity,
  R extends Repository<T>,
  O extends OmittableField<T> = never,
>(runner: ConformanceRunner, testCase: StrategyConformanceCase<T, R, O>): void {
  const checks = strategyConformanceChecks(testCase);
  runner.describe(`${testCase.name ?? testCase.strategy.entityType} strategy conformance`, () => {
    for (const { name, run } of checks) runner.it(name, run);
  });
}
