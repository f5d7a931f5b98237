import { runStrategyConformance } from 'cachedrepo/testing';
import { bookCacheStrategy, type Book } from '../../support/extension-book';

// Step "test the strategy" of REDIS_CACHE.md section 8, for the Book of new-entity-prisma.test.ts:
// the shipped conformance suite checks the round trip (Dates kept), the injective key encoding
// under hostile ids and authors, and that affectedKeys names every query holding a book in its
// old or new state. `holding` says which call of each cached query returns a given book.
const book = (overrides: Partial<Book>): Book => ({
  id: 'book-1',
  title: 'A Wizard of Earthsea',
  author: 'Ursula K. Le Guin',
  publishedAt: new Date('1968-11-01T00:00:00.000Z'),
  createdAt: new Date('2026-01-02T03:04:05.678Z'),
  ...overrides,
});

runStrategyConformance(
  { describe, it },
  {
    strategy: bookCacheStrategy({ ttlSeconds: 300 }),
    samples: [book({}), book({ id: 'all', title: 'Dune', author: 'author:*?[x]' })],
    holding: { findAll: () => [], findByAuthor: (sample) => [sample.author] },
  },
);
