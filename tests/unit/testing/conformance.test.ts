import { AssertionError } from 'node:assert';
import { bigIntId, compositeId, intId } from '../../../src/repository/id-codec';
import { CorruptEntryError } from '../../../src/errors';
import {
  createSuperjsonSerializer,
  defineCacheStrategy,
  defineKeySchema,
  valueObjectCodec,
  type CacheStrategy,
  type Repository,
  type Serializer,
} from 'cachedrepo';
import {
  findConformanceFailures,
  generateHostileStrings,
  HOSTILE_STRINGS,
  runStrategyConformance,
  type ConformanceFailure,
  type QueriesHolding,
  type StrategyConformanceCase,
} from 'cachedrepo/testing';
import {
  bookCacheStrategy,
  bookKeys,
  bookKeysOf,
  sampleBook,
  type Book,
  type BookRepository,
} from '../../support/books';

// The shipped suite must pass a correct strategy and fail its mutants, with the smallest table
// a user could write: one sample and no alternatives. The old suite (a row with a query list
// and one sample change written by the user) missed a forgotten old-state key whenever the
// row's change did not move the field of that key; this one takes the queries from the
// strategy and moves each field on its own.

const correct = bookCacheStrategy();
const holding: QueriesHolding<Book, BookRepository> = {
  findAll: () => [],
  findByAuthor: (book) => [book.author],
  findByYear: (book) => [book.year],
  findByTitle: (book) => [book.title],
};
const minimal = (strategy: CacheStrategy<Book, BookRepository>): StrategyConformanceCase<Book, BookRepository> => ({
  strategy,
  samples: [sampleBook()],
  holding,
});

/** The names of the failed checks, after checking that each failed on an assertion (not on a crash of the suite). */
function failedChecks(failures: readonly ConformanceFailure[]): string[] {
  for (const { error } of failures) expect(error).toBeInstanceOf(AssertionError);
  return failures.map(({ check }) => check);
}

const messages = (failures: readonly ConformanceFailure[]): string =>
  failures.map(({ error }) => (error as Error).message).join('\n');

const UPDATES = 'names every query holding the old or the new state when any field changes, once each';
const CREATE_DELETE = 'names the entity key and every query holding the entity on create and delete';
const KEYS =
  'keeps keys injective, in its namespaces, without glob characters or extra segments under hostile ids and values';

describe('the shipped strategy conformance suite', () => {
  it('passes a correct strategy, from one sample and no alternatives', () => {
    expect(findConformanceFailures(minimal(correct))).toEqual([]);
  });

  it('registers one describe and one it per check with any runner', () => {
    const registered: string[] = [];
    const bodies: (() => void)[] = [];
    runStrategyConformance(
      {
        describe: (name, body) => (registered.push(name), body()),
        it: (name, body) => (registered.push(name), bodies.push(body)),
      },
      minimal(correct),
    );
    expect(registered[0]).toBe('book strategy conformance');
    expect(registered).toContain(UPDATES);
    expect(bodies.length).toBe(registered.length - 1);
    for (const body of bodies) body();
  });

  it('fails a strategy that forgets the old state on update', () => {
    const mutant: CacheStrategy<Book, BookRepository> = {
      ...correct,
      affectedKeys: (before, after) => correct.affectedKeys(null, after ?? before),
    };
    const failures = findConformanceFailures(minimal(mutant));
    expect(failedChecks(failures)).toEqual([UPDATES]);
    expect(messages(failures)).toMatch(
      /an update of title from "Dune" to "Dune2" misses book:title:Dune \(findByTitle\("Dune"\) holds the old state\)/,
    );
  });

  it('fails a strategy that forgets only the old year list, when the sample moves no field itself', () => {
    // Only a change of the year alone reveals it: the suite makes that change.
    const mutant: CacheStrategy<Book, BookRepository> = {
      ...correct,
      affectedKeys: (before, after) => {
        const keys = new Set(correct.affectedKeys(before, after));
        if (before && after && before.year !== after.year) keys.delete(bookKeys.byYear({ year: before.year }));
        return [...keys];
      },
    };
    const failures = findConformanceFailures(minimal(mutant));
    expect(failedChecks(failures)).toEqual([UPDATES]);
    expect(messages(failures)).toMatch(/an update of year from 1965 to 1966 misses book:year:1965 /);
  });

  it('fails a strategy that forgets the all key', () => {
    const mutant = defineCacheStrategy<Book, BookRepository>({
      entityType: 'book',
      namespaces: [bookKeys.$namespace],
      ttlSeconds: 60,
      entityKey: (id) => bookKeys.byId({ id }),
      queries: {
        findAll: { key: () => bookKeys.all() },
        findByAuthor: { key: (author) => bookKeys.byAuthor({ author }) },
        findByYear: { key: (year) => bookKeys.byYear({ year }) },
        findByTitle: { key: (title) => bookKeys.byTitle({ title }), shape: 'one' },
      },
      keysOf: bookKeysOf,
    });
    const failures = findConformanceFailures(minimal(mutant));
    expect(failedChecks(failures)).toEqual([CREATE_DELETE, UPDATES]);
    expect(messages(failures)).toMatch(/misses book:all \(findAll\(\) holds the/);
  });

  it('fails a strategy whose entity key is not injective, or lets glob characters and separators through', () => {
    const squashing: CacheStrategy<Book, BookRepository> = {
      ...correct,
      entityKey: (id) => `book:${id.replace(/[^A-Za-z0-9-]/g, '_')}`,
    };
    const squashed = findConformanceFailures(minimal(squashing));
    expect(failedChecks(squashed)).toEqual([KEYS]);
    expect(messages(squashed)).toMatch(/both give the key/);

    const raw: CacheStrategy<Book, BookRepository> = { ...correct, entityKey: (id) => `book:${id}` };
    expect(messages(findConformanceFailures(minimal(raw)))).toMatch(/raw glob character|segments instead of 2/);
  });

  it('fails a strategy whose query key folds distinct values together', () => {
    const folding = defineCacheStrategy<Book, BookRepository>({
      entityType: 'book',
      namespaces: [bookKeys.$namespace],
      ttlSeconds: 60,
      entityKey: (id) => bookKeys.byId({ id }),
      // Lower-casing makes "A" and "a" share a key: a write of one leaves the other's list stale.
      queries: {
        findAll: { key: () => bookKeys.all() },
        findByAuthor: { key: (author) => bookKeys.byAuthor({ author: author.toLowerCase() }) },
      },
      keysOf: (book) => [bookKeys.byId({ id: book.id }), bookKeys.byAuthor({ author: book.author.toLowerCase() })],
      alwaysAffected: [bookKeys.all()],
    });
    const failures = findConformanceFailures({
      strategy: folding,
      samples: [sampleBook()],
      holding: { ...holding, findByYear: false, findByTitle: false },
    });
    expect(failedChecks(failures)).toEqual([KEYS]);
    expect(messages(failures)).toMatch(/findByAuthor\(.*\) and findByAuthor\(.*\) both give the key/);
  });

  it('fails a table that says a cached query is not cached', () => {
    const failures = findConformanceFailures({ ...minimal(correct), holding: { ...holding, findByYear: false } });
    expect(failures.length).toBeGreaterThan(0);
    expect(messages(failures)).toMatch(/the strategy caches findByYear, so holding.findByYear must give the arguments/);
  });

  it('fails a serializer that loses types or accepts entries it did not write', () => {
    const json: Serializer = {
      serialize: (value) => JSON.stringify(value),
      deserialize: (raw) => JSON.parse(raw) as unknown,
    };
    const failures = findConformanceFailures(minimal({ ...correct, serializer: json }));
    expect(failedChecks(failures)).toEqual([
      'round-trips entities and lists through its serializer with their types',
      'rejects entries it did not write as CorruptEntryError',
    ]);
    const lenient: Serializer = {
      serialize: correct.serializer.serialize,
      deserialize: (raw) => {
        try {
          return correct.serializer.deserialize(raw);
        } catch (error) {
          if (error instanceof CorruptEntryError) return null;
          throw error;
        }
      },
    };
    expect(failedChecks(findConformanceFailures(minimal({ ...correct, serializer: lenient })))).toEqual([
      'rejects entries it did not write as CorruptEntryError',
    ]);
  });

  it('fails a serializer that turns a value object into a plain object, and passes it with the codec', () => {
    class Money {
      constructor(readonly cents: number) {}
    }
    interface Priced {
      readonly id: string;
      price: Money;
    }
    const keys = defineKeySchema({ byId: 'priced:{id}', all: 'priced:all' });
    const money = valueObjectCodec<Money, number>({
      name: 'Money',
      isApplicable: (value): value is Money => value instanceof Money,
      toPlain: (m) => m.cents,
      fromPlain: (cents) => new Money(cents),
    });
    const strategy = (serializer: Serializer) =>
      defineCacheStrategy<Priced>({
        entityType: 'priced',
        namespaces: [keys.$namespace],
        ttlSeconds: 60,
        serializer,
        entityKey: (id) => keys.byId({ id }),
        queries: { findAll: { key: () => keys.all() } },
        keysOf: (p) => [keys.byId({ id: p.id })],
        alwaysAffected: [keys.all()],
      });
    const testCase = (serializer: Serializer): StrategyConformanceCase<Priced, Repository<Priced>> => ({
      strategy: strategy(serializer),
      samples: [{ id: 'p1', price: new Money(250) }],
      holding: { findAll: () => [] },
      alternatives: { price: [new Money(99)] },
    });
    const failures = findConformanceFailures(testCase(createSuperjsonSerializer()));
    expect(failedChecks(failures)).toEqual(['round-trips entities and lists through its serializer with their types']);
    expect(findConformanceFailures(testCase(createSuperjsonSerializer([money])))).toEqual([]);
  });

  describe('with ids that are not strings', () => {
    interface Post {
      readonly id: number;
      title: string;
    }
    interface Ledger {
      readonly id: bigint;
      label: string;
    }
    interface Membership {
      readonly id: { userId: number; articleId: number };
      role: string;
    }
    const postKeys = defineKeySchema({ byId: 'post:{id}', all: 'post:all' });
    const post = (entityKey: (id: number) => string) =>
      defineCacheStrategy<Post>({
        entityType: 'post',
        namespaces: ['post'],
        ttlSeconds: 60,
        id: intId(),
        entityKey,
        keysOf: (p) => [entityKey(p.id)],
      });
    const ledger = (entityKey: (id: bigint) => string) =>
      defineCacheStrategy<Ledger>({
        entityType: 'ledger',
        namespaces: ['ledger'],
        ttlSeconds: 60,
        id: bigIntId(),
        entityKey,
        keysOf: (l) => [entityKey(l.id)],
      });
    const membership = (entityKey: (id: Membership['id']) => string) =>
      defineCacheStrategy<Membership>({
        entityType: 'membership',
        namespaces: ['membership'],
        ttlSeconds: 60,
        id: compositeId({ userId: 'int', articleId: 'int' }),
        entityKey,
        keysOf: (m) => [entityKey(m.id)],
      });
    const memberKeys = defineKeySchema({ byId: 'membership:{userId}:{articleId}' });
    const ledgerKeys = defineKeySchema({ byId: 'ledger:{id}' });

    it('passes strategies of Int, BigInt and composite ids built with key schemas', () => {
      const cases = [
        findConformanceFailures({
          strategy: post((id) => postKeys.byId({ id })),
          samples: [{ id: 7, title: 'a' }],
          holding: { findAll: false },
        }),
        findConformanceFailures({
          strategy: ledger((id) => ledgerKeys.byId({ id })),
          samples: [{ id: 2n ** 60n, label: 'b' }],
          holding: { findAll: false },
        }),
        findConformanceFailures({
          strategy: membership((id) => memberKeys.byId(id)),
          samples: [{ id: { userId: 1, articleId: 1 }, role: 'r' }],
          holding: { findAll: false },
        }),
      ];
      expect(cases).toEqual([[], [], []]);
    });

    it('fails keys that fold Int ids, lose BigInt precision, or run composite fields together', () => {
      const folded = findConformanceFailures({
        strategy: post((id) => `post:${id % 1000}`),
        samples: [{ id: 7, title: 'a' }],
        holding: { findAll: false },
      });
      expect(failedChecks(folded)).toEqual([KEYS]);
      expect(messages(folded)).toMatch(/entityKey\(.*\) and entityKey\(.*\) both give the key "post:/);
      const rounded = findConformanceFailures({
        strategy: ledger((id) => `ledger:${Number(id)}`),
        samples: [{ id: 1n, label: 'b' }],
        holding: { findAll: false },
      });
      expect(failedChecks(rounded)).toEqual([KEYS]);
      expect(messages(rounded)).toMatch(/both give the key "ledger:9007199254740992"/);
      const runTogether = findConformanceFailures({
        strategy: membership((id) => `membership:${id.userId}${id.articleId}`),
        samples: [{ id: { userId: 1, articleId: 1 }, role: 'r' }],
        holding: { findAll: false },
      });
      expect(failedChecks(runTogether)).toEqual([KEYS]);
      expect(messages(runTogether)).toMatch(/both give the key "membership:/);
    });

    it("fails samples whose ids are not of the strategy's id type", () => {
      const failures = findConformanceFailures({
        strategy: post((id) => postKeys.byId({ id })),
        samples: [{ id: '7' as unknown as number, title: 'a' }],
        holding: { findAll: false },
      });
      expect(failures.map(({ check }) => check)).toContain(
        "takes the samples' ids as its id type, and tells ids apart",
      );
      expect(messages(failures)).toMatch(/the sample id "7" is not an Int \(a safe integer\), the strategy's id type/);
    });
  });

  it('generates the same hostile strings from the same seed, all well-formed UTF-16', () => {
    expect(generateHostileStrings(7, 50)).toEqual(generateHostileStrings(7, 50));
    expect(generateHostileStrings(7, 50)).not.toEqual(generateHostileStrings(8, 50));
    for (const text of [...HOSTILE_STRINGS, ...generateHostileStrings(1, 500, ['all'])])
      expect(() => encodeURIComponent(text)).not.toThrow();
  });
});
