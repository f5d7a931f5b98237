/** Type tests of the conformance suite, compiled by `tsc --noEmit -p .` (see strategy-types.ts). */
import * as nodeTest from 'node:test';
import { runStrategyConformance, type ConformanceRunner, type QueriesHolding } from 'cachedrepo/testing';
import type { CacheStrategy } from 'cachedrepo';
import type { Book, BookRepository } from '../support/books';

declare const strategy: CacheStrategy<Book, BookRepository>;
declare const sample: Book;

// Positive: jest's and node:test's describe/it are runners as they are.
export const jestRunner: ConformanceRunner = { describe, it };
export const nodeRunner: ConformanceRunner = { describe: nodeTest.describe, it: nodeTest.it };

// Positive: no cast and no annotation; the holding functions are typed from the strategy.
runStrategyConformance(jestRunner, {
  strategy,
  samples: [sample],
  holding: {
    findAll: () => [],
    findByAuthor: (book) => [book.author],
    findByYear: (book) => [book.year],
    findByTitle: (book) => (book.inPrint ? [book.title] : null),
  },
  alternatives: { year: [1, 2], inPrint: [false] },
});

// Positive: a query the strategy does not cache is listed as false.
export const holding: QueriesHolding<Book, BookRepository> = {
  findAll: () => [],
  findByAuthor: false,
  findByYear: false,
  findByTitle: false,
};

runStrategyConformance(jestRunner, {
  strategy,
  samples: [sample],
  // @ts-expect-error a cacheable query left out of the table (findByTitle)
  holding: { findAll: () => [], findByAuthor: (book) => [book.author], findByYear: (book) => [book.year] },
});

runStrategyConformance(jestRunner, {
  strategy,
  samples: [sample],
  holding: {
    findAll: () => [],
    findByAuthor: (book) => [book.author],
    // @ts-expect-error the arguments of findByYear are a number, not a string
    findByYear: (book) => [book.title],
    findByTitle: (book) => [book.title],
  },
});

runStrategyConformance(jestRunner, {
  strategy,
  samples: [sample],
  holding: {
    findAll: () => [],
    // @ts-expect-error findByAuthor takes one argument
    findByAuthor: () => [],
    findByYear: (book) => [book.year],
    findByTitle: (book) => [book.title],
  },
});

runStrategyConformance(jestRunner, {
  strategy,
  samples: [sample],
  holding: {
    findAll: () => [],
    findByAuthor: (book) => [book.author],
    findByYear: (book) => [book.year],
    findByTitle: (book) => [book.title],
  },
  // @ts-expect-error alternatives of a field must have its type
  alternatives: { year: ['1965'] },
});

runStrategyConformance(jestRunner, {
  strategy,
  // @ts-expect-error at least one sample
  samples: [],
  holding: {
    findAll: () => [],
    findByAuthor: (book) => [book.author],
    findByYear: (book) => [book.year],
    findByTitle: (book) => [book.title],
  },
});
