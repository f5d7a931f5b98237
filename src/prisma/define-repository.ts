import { errors } from '../index';
import type { AnyEntity, IdOf } from '../ids/index';
import type { OrderBy } from './prisma-helpers';
import type { PrismaIdArguments } from './prisma-ids';
import { PrismaRepository, type ModelDelegate, type PrismaClientLike, type RowMapper } from './prisma-repository';
import type { OutboxModel } from './prisma-outbox';
import type { RawSqlClient } from './raw-sql';

/** One call of a declared finder: the rows it reads, in Prisma's terms. */
export interface PrismaFinderQuery<Where> {
  /** The `where` of `findMany`, typed from the model's delegate (e.g. `Prisma.ArticleWhereInput`). */
  where: Where;
  /** @default the repository's `listOrder` */
  orderBy?: OrderBy;
  /** One page (Prisma's `take` and `skip`). @default every row */
  page?: { limit: number; offset: number };
}

/** The `where` type a model delegate's `findMany` accepts (e.g. `Prisma.ArticleWhereInput` for `db.article`). */
export type WhereOf<D> = D extends { findMany(args?: infer A): unknown }
  ? NonNullable<A> extends { where?: infer W }
    ? NonNullable<W>
    : object
  : object;

type Finder<Where> = (...args: never[]) => PrismaFinderQuery<Where>;
type Finders<Where> = Readonly<Record<string, Finder<Where>>>;

/** What {@link definePrismaRepository} builds a repository from: the model and its finders, in one place. */
export interface PrismaRepositoryDefinition<
  T extends AnyEntity,
  Row extends object,
  C,
  D extends ModelDelegate<Row, IdOf<T>>,
  F extends Finders<WhereOf<D>>,
  U extends Finders<WhereOf<D>>,
> {
  /** Entity name used in errors, e.g. `Article`. */
  entityType: string;
  /**
   * The model delegate on the client, e.g. `(db) => db.article`; also called with transaction clients, which have the
   * same delegates.
   */
  model: (db: C) => D;
  mapper: RowMapper<T, Row>;
  /** The order of `findAll`, and of every finder that gives none. */
  listOrder: OrderBy;
  /** Finders of lists: `name: (...args) => ({ where, orderBy?, page? })` becomes `name(...args): Promise<T[]>`. */
  finders?: F;
  /** Finders of one entity (a unique column): `name(...args)` resolves to the first row, or null. */
  unique?: U;
}

/** The repository {@link definePrismaRepository} returns: `PrismaRepository` plus the declared finders. */
export type DefinedPrismaRepository<T extends AnyEntity, Row extends object, F, U> = PrismaRepository<T, Row> & {
  [K in keyof F]: F[K] extends (...args: infer A) => unknown ? (...args: A) => Promise<T[]> : never;
} & {
  [K in keyof U]: U[K] extends (...args: infer A) => unknown ? (...args: A) => Promise<T | null> : never;
};

type Tx = OutboxModel & RawSqlClient;

/** A PrismaRepository with one generic finder its declared finders call. */
class DeclaredPrismaRepository<T extends AnyEntity, Row extends object> extends PrismaRepository<T, Row> {
  async find(query: PrismaFinderQuery<unknown>): Promise<T[]> {
    // The port's findMany names where and orderBy only; every generated delegate takes skip and take too.
    const args = {
      where: query.where as object,
      orderBy: query.orderBy ?? this.listOrder,
      ...(query.page && { skip: query.page.offset, take: query.page.limit }),
    };
    return (await this.model.findMany(args)).map((row) => this.mapper.toDomain(row));
  }
}

/**
 * A Prisma repository without a hand-written class, for the common case: CRUD from `PrismaRepository` (ids checked,
 * before-images, outbox recording), and finders declared in one place, each a `where` typed from the generated
 * client's delegate:
 *
 *     const articles = definePrismaRepository(prisma, {
 *       entityType: 'Article',
 *       model: (db) => db.article,
 *       mapper: articleMapper,                              // RowMapper<Article, ArticleRow>
 *       listOrder: byCreation,
 *       finders: { findByAuthor: (authorId: number, page: Page) => ({ where: { authorId }, page }) },
 *       unique: { findBySlug: (slug: string) => ({ where: { slug } }) },
 *     }, { id: intId() });
 *     await articles.findByAuthor(7, { limit: 20, offset: 0 }); // Article[], newest first
 *
 * The result satisfies a port `interface ArticleRepository extends Repository<Article> { findByAuthor(...) }` and is a
 * base `CachedRepository.wrap` accepts. Subclass `PrismaRepository` instead for a finder that is more than a `where`.
 * @throws {StrategyError} when a finder's name is a method the repository already has (`findById`, `save`, ...) or
 *   is declared twice
 * @throws {InvalidIdError} when a composite id codec is invalid (see `compositeId`)
 */
export function definePrismaRepository<
  T extends AnyEntity,
  Row extends object,
  C extends Tx,
  D extends ModelDelegate<Row, IdOf<T>>,
  F extends Finders<WhereOf<D>> = Record<never, never>,
  U extends Finders<WhereOf<D>> = Record<never, never>,
>(
  /** The application's generated client. */
  prisma: C & { $transaction: unknown },
  definition: PrismaRepositoryDefinition<T, Row, C, D, F, U>,
  ...idArguments: PrismaIdArguments<IdOf<T>>
): DefinedPrismaRepository<T, Row, F, U> {
  // A generated client is a PrismaClientLike of its transaction client, which its overloads do not tell the compiler
  // (the subclassing path names the transaction client's type instead); a transaction client has the same delegates.
  const client = prisma as unknown as Tx & PrismaClientLike<Tx>;
  const repository = new DeclaredPrismaRepository<T, Row>(
    definition.entityType,
    client,
    (db) => definition.model(db as C),
    definition.mapper,
    definition.listOrder,
    ...idArguments,
  );
  const declare = (name: string, method: (...args: never[]) => Promise<unknown>): void => {
    if (name in repository)
      throw new errors.StrategyError(
        `${definition.entityType} finder ${name}: the repository already has a ${name} (give the finder another name)`,
      );
    Object.defineProperty(repository, name, { value: method, enumerable: false });
  };
  for (const [name, finder] of Object.entries(definition.finders ?? {}) as [string, Finder<unknown>][])
    declare(name, (...args) => repository.find(finder(...args)));
  for (const [name, finder] of Object.entries(definition.unique ?? {}) as [string, Finder<unknown>][])
    declare(name, async (...args) => {
      const [first] = await repository.find({ ...finder(...args), page: { limit: 1, offset: 0 } });
      return first ?? null;
    });
  return repository as unknown as DefinedPrismaRepository<T, Row, F, U>;
}
