import type { EntityChanges, NewEntity } from '../index';
import type { AnyEntity } from '../ids/index';
import type { OutboxModel } from './prisma-outbox';
import type { OrderBy } from './prisma-helpers';
import type { WhereUnique } from './prisma-ids';

// What PrismaRepository needs of an application's generated client and of its mapping, as structural types: this
// package never imports a generated client.

/**
 * The slice of a Prisma model delegate (`prisma.hero`, ...) the generic repository uses, for a model whose id is of
 * type `Id` (a scalar `id` field, or a composite `@@id`). Argument types are loose on purpose: each repository builds
 * them from its own typed mapper. A delegate whose `id` is of another type does not fit.
 */
export interface ModelDelegate<Row, Id = string> {
  findUnique(args: { where: WhereUnique<Id> }): PromiseLike<Row | null>;
  findMany(args: { where?: object; orderBy?: OrderBy }): PromiseLike<Row[]>;
  create(args: { data: object }): PromiseLike<Row>;
  update(args: { where: WhereUnique<Id>; data: object }): PromiseLike<Row>;
  delete(args: { where: WhereUnique<Id> }): PromiseLike<Row>;
  /**
   * Prisma's field references of the model (`prisma.hero.fields`, which every generated delegate
   * has): they let the write path read the before-state with one raw SELECT (see BeforeStateReader).
   */
  readonly fields?: unknown;
}

/** How one entity is stored: its row <-> domain mapping. */
export interface RowMapper<T extends AnyEntity, Row> {
  toDomain(row: Row): T;
  toCreateData(input: NewEntity<T>): object;
  toUpdateData(changes: EntityChanges<T>): object;
}

/** Options of a transaction: SQLite accepts `Serializable` only. */
export interface TransactionOptions {
  isolationLevel?: 'Serializable' | 'RepeatableRead';
}

/**
 * What the repositories need of an application's generated Prisma client: interactive and batch
 * transactions whose client `Tx` (Prisma's `TransactionClient`) has the `CacheOutbox` model and
 * raw SQL. A generated `PrismaClient` fits as is; this package never imports one.
 */
export interface PrismaClientLike<Tx extends OutboxModel> {
  $transaction<R>(run: (tx: Tx) => Promise<R>, options?: TransactionOptions): Promise<R>;
  $transaction<P extends PromiseLike<unknown>[]>(
    queries: [...P],
    options?: TransactionOptions,
  ): Promise<{ [K in keyof P]: Awaited<P[K]> }>;
}
