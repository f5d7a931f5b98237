import fc from 'fast-check';
import type { CacheStrategy, QueryCachePolicy } from '@cachedrepo/core';
import { CorruptEntryError } from '@cachedrepo/core';
import type { Entity } from '@cachedrepo/core';

/** A query call whose result holds a given entity, e.g. ['findByLanguage', ['en']]. */
export type QueryCall = [name: string, args: unknown[]];

/** What the shared conformance suite needs to know about one strategy. */
export interface StrategyCase<T extends Entity> {
  name: string;
  strategy: Pick<CacheStrategy<T>, 'entityType' | 'namespaces' | 'serializer' | 'entityKey' | 'affectedKeys'> & { queries: object };
  /** An entity with every optional field set, and one with the nullable fields null. */
  samples: T[];
  /** A change of the sample that moves it between lists (another language, deck, level...). */
  change: (entity: T) => T;
  /** Query calls whose cached result holds `entity`. */
  queriesHolding: (entity: T) => QueryCall[];
}

const hostileStrings = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('*', '?', '[a-z]', ':', '\\', ' ', '', 'all', 'list', 'lang', 'name', 'full', '%2A', 'a:b', 'x'.repeat(10_000)),
);

/**
 * The conformance suite every strategy runs: round trip, key encoding, affected keys.
 * A new entity is tested by adding one StrategyCase.
 */
export function runStrategyConformance<T extends Entity>(testCase: StrategyCase<T>): void {
  const { strategy } = testCase;
  const policies = strategy.queries as Record<string, QueryCachePolicy<unknown[]> | undefined>;
  const keyOf = (call: QueryCall): string => {
    const policy = policies[call[0]];
    if (!policy) throw new Error(`${testCase.name}: no cache policy for ${call[0]}`);
    return policy.key(...call[1]);
  };

  describe(`${testCase.name} strategy conformance`, () => {
    it.each(testCase.samples.map((sample, index) => [index, sample] as const))('round-trips sample %i with the same types', (_, sample) => {
      const back = strategy.serializer.deserialize(strategy.serializer.serialize(sample));
      expect(back).toStrictEqual(sample);
      for (const [field, value] of Object.entries(sample)) {
        if (value !== null && typeof value === 'object') {
          expect((back as Record<string, unknown>)[field]).toBeInstanceOf((value as object).constructor);
        }
      }
    });

    it('round-trips lists, null and an empty list', () => {
      for (const value of [testCase.samples, null, []]) {
        expect(strategy.serializer.deserialize(strategy.serializer.serialize(value))).toStrictEqual(value);
      }
    });

    it('rejects entries it did not write as CorruptEntryError', () => {
      for (const raw of ['not json', '{"a":1}', '42', '{"json":{"x":1},"meta":{"values":{"x":[["custom","NoSuchCodec"]]}}}']) {
        expect(() => strategy.serializer.deserialize(raw)).toThrow(CorruptEntryError);
      }
    });

    it('encodes ids injectively, in its namespace, without glob characters or extra segments', () => {
      fc.assert(
        fc.property(hostileStrings, hostileStrings, (a, b) => {
          const keyA = strategy.entityKey(a);
          expect(keyA.startsWith(`${strategy.namespaces[0]}:`)).toBe(true);
          expect(keyA).not.toMatch(/[*?[\]\\\s]/);
          expect(keyA.split(':')).toHaveLength(strategy.entityKey('x').split(':').length);
          if (a !== b) expect(strategy.entityKey(b)).not.toBe(keyA);
        }),
        { numRuns: 300 },
      );
    });

    it('never gives an entity key that equals a query key', () => {
      const queryKeys = new Set(testCase.samples.flatMap((sample) => testCase.queriesHolding(sample).map(keyOf)));
      const findAll = policies.findAll;
      if (findAll) queryKeys.add(findAll.key());
      fc.assert(
        fc.property(fc.oneof(hostileStrings, fc.constantFrom(...[...queryKeys].flatMap((key) => key.split(':')))), (id) => {
          expect(queryKeys.has(strategy.entityKey(id))).toBe(false);
        }),
      );
    });

    it('names the entity key and every query holding the entity, on create and delete', () => {
      for (const sample of testCase.samples) {
        const expected = [strategy.entityKey(sample.id), ...testCase.queriesHolding(sample).map(keyOf)];
        expect(strategy.affectedKeys(null, sample)).toEqual(expect.arrayContaining(expected));
        expect(strategy.affectedKeys(sample, null)).toEqual(expect.arrayContaining(expected));
      }
    });

    it('names the queries of both the old and the new state on update, once each', () => {
      for (const before of testCase.samples) {
        const after = testCase.change(before);
        const keys = strategy.affectedKeys(before, after);
        const expected = [...testCase.queriesHolding(before), ...testCase.queriesHolding(after)].map(keyOf);
        expect(keys).toEqual(expect.arrayContaining([strategy.entityKey(before.id), ...expected]));
        expect(new Set(keys).size).toBe(keys.length);
        expect(new Set(expected).size).toBeGreaterThan(new Set(testCase.queriesHolding(before).map(keyOf)).size);
      }
    });
  });
}
