import {
  defineCacheStrategy,
  defineKeySchema,
  type CacheStrategy,
  type EntityChanges,
  type NewEntity,
  type Repository,
} from 'cachedrepo';
import {
  byCreation,
  PrismaRepository,
  type ModelDelegate,
  type PrismaClientLike,
  type RowMapper,
} from 'cachedrepo/prisma';
import type { InjectionToken } from 'tsyringe';
import type { Prisma, PrismaClient } from '../../../generated/prisma/client';
import type { EntityTtlOptions } from '../../../example/strategies';

// The application code of REDIS_CACHE.md section 8 ("Adding an entity"), for a Book added to
// the Prisma schema: domain type, port, row mapper, Prisma repository, key schema, strategy.
// In an application these live in src/domain, src/repositories, src/infrastructure/prisma and
// src/strategies, and the row and input types come from the regenerated client
// (`import type { Book as BookRow, Prisma } from '../../../generated/prisma/client'`). Here the
// client is generated at run time into a temporary project (extension-project.ts), so the few
// types used are written out below, matching the `Book` model that project adds.

/** The Prisma model the walkthrough adds to prisma/schema.prisma. */
export const BOOK_MODEL = `
model Book {
  id          String   @id @default(uuid())
  title       String
  author      String
  publishedAt DateTime
  createdAt   DateTime @default(now())

  @@index([author])
}
`;

/** Domain type. */
export interface Book {
  readonly id: string;
  title: string;
  author: string;
  publishedAt: Date;
  createdAt: Date;
}

/** Port: the generic repository plus the entity's finders. */
export interface BookRepository extends Repository<Book> {
  /** Books by exactly this author, oldest first. */
  findByAuthor(author: string): Promise<Book[]>;
}

/** A row of the `Book` table, as the generated client returns it (the generated `Book` type). */
export interface BookRow {
  id: string;
  title: string;
  author: string;
  publishedAt: Date;
  createdAt: Date;
}

/** A transaction client of the regenerated schema: the app's models, `CacheOutbox`, and `book`. */
export type BookTransactionClient = Prisma.TransactionClient & { book: ModelDelegate<BookRow> };

/** The regenerated PrismaClient: the app's client plus the `book` delegate, in transactions too. */
export type BookPrismaClient = PrismaClient & BookTransactionClient & PrismaClientLike<BookTransactionClient>;

/**
 * True when `prisma` was generated from a schema with the Book model. An application does not
 * need this: its regenerated `PrismaClient` type has `book`. The test gets the app's client
 * type from registerDataLayer's `entities(prisma, settings)`, so it checks at run time instead
 * of casting.
 */
export function hasBookModel(prisma: PrismaClient): prisma is BookPrismaClient {
  const book = (prisma as Partial<BookTransactionClient>).book;
  return typeof book?.findUnique === 'function' && typeof book.findMany === 'function';
}

/** Row <-> domain mapping (as hero-mapper.ts does for heroes). */
export const bookMapper: RowMapper<Book, BookRow> = {
  toDomain: (row) => ({
    id: row.id,
    title: row.title,
    author: row.author,
    publishedAt: row.publishedAt,
    createdAt: row.createdAt,
  }),
  toCreateData: (input: NewEntity<Book>) => ({
    id: input.id,
    title: input.title,
    author: input.author,
    publishedAt: input.publishedAt,
  }),
  toUpdateData: (changes: EntityChanges<Book>) => ({
    title: changes.title,
    author: changes.author,
    publishedAt: changes.publishedAt,
  }),
};

/** Plain repository: the generic CRUD and recorded writes come from PrismaRepository; it adds the finder. */
export class PrismaBookRepository
  extends PrismaRepository<Book, BookRow, BookTransactionClient>
  implements BookRepository
{
  constructor(prisma: BookPrismaClient) {
    super('Book', prisma, (db) => db.book, bookMapper, byCreation);
  }

  findByAuthor(author: string): Promise<Book[]> {
    return this.findManyMapped({ author }, byCreation);
  }
}

/** Key schema (unprefixed; the cache service adds CACHE_KEY_PREFIX). */
export const bookKeys = defineKeySchema({
  byId: 'book:{id}',
  byAuthor: 'book:author:{author}',
  all: 'book:all',
});

/**
 * Strategy: `book:{id}`, `book:author:{author}`, `book:all`, all with `ttlSeconds`. A write
 * clears the book, `book:all`, and the author lists of its old and its new state (an author
 * change clears both authors' lists).
 */
export function bookCacheStrategy(
  options: EntityTtlOptions & { ttlSeconds: number },
): CacheStrategy<Book, BookRepository> {
  return defineCacheStrategy<Book, BookRepository>({
    entityType: 'book',
    namespaces: [bookKeys.$namespace],
    ttlSeconds: options.ttlSeconds,
    negativeTtlSeconds: options.negativeTtlSeconds,
    entityKey: (id) => bookKeys.byId({ id }),
    queries: {
      findAll: { key: () => bookKeys.all() },
      findByAuthor: { key: (author) => bookKeys.byAuthor({ author }) },
    },
    keysOf: (book) => [bookKeys.byId({ id: book.id }), bookKeys.byAuthor({ author: book.author })],
    alwaysAffected: [bookKeys.all()],
  });
}

/** The Book's injection token, next to the app's TOKENS. */
export const BOOK_REPOSITORY: InjectionToken<BookRepository> = Symbol('BookRepository');
