/** Type tests of the container helpers, compiled by `tsc --noEmit -p .` (see strategy-types.ts). */
import type { InjectionToken } from 'tsyringe';
import { isCached, type BeforeImageRepository, type CacheStrategy, type Repository } from 'cachedrepo';
import { repositoryRegistration, type AnyRepositoryRegistration } from 'cachedrepo/tsyringe';
import type { Book, BookRepository } from '../support/books';

interface Author {
  readonly id: string;
  name: string;
}
interface AuthorRepository extends Repository<Author> {
  findByName(name: string): Promise<Author[]>;
}

declare const books: BookRepository;
declare const plainBooks: BookRepository & BeforeImageRepository<Book>;
declare const bookStrategy: CacheStrategy<Book, BookRepository>;
declare const authorStrategy: CacheStrategy<Author, AuthorRepository>;
const BOOKS: InjectionToken<BookRepository> = Symbol('BookRepository');

// Positive: a registration of matching token, repository and strategy.
export const registrations: AnyRepositoryRegistration[] = [
  repositoryRegistration({ entityType: 'book', token: BOOKS, plain: plainBooks, strategy: bookStrategy }),
];

// @ts-expect-error a strategy for another repository
repositoryRegistration({ entityType: 'book', token: BOOKS, plain: plainBooks, strategy: authorStrategy });

// Not caught: a token for another repository. tsyringe's InjectionToken<T> admits any string
// or symbol, so a symbol token carries no type to check against.

// Positive: isCached narrows to the cache control, keeping the repository's own finders.
if (isCached(books)) {
  const hits: number = books.getCacheStats().hits;
  const found: Promise<Book[]> = books.findByAuthor('Ann');
  void hits;
  void found;
}
// @ts-expect-error without the isCached check there is no cache control on the plain type
books.getCacheStats();
