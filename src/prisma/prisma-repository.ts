import {
  errors,
  type AffectedKeysOf,
  type Entity,
  type EntityChange,
  type EntityChanges,
  type NewEntity,
  type OutboxRecordingRepository,
} from '../index';
import { BeforeStateReader } from './before-state';
import { FastUpdate } from './fast-update';
import { insertOutboxRow, RawOutboxCheck, type OutboxModel } from './prisma-outbox';
import { distinctIds, isRecordNotFound, orderByIds, type OrderBy } from './prisma-helpers';
import { rawSqlDialect, type RawSqlClient, type RawSqlDialect } from './raw-sql';
import { RawUpdateWriter, type RolledBackTransaction } from './raw-update';
import { retryOnWriteConflict } from './write-conflicts';

/**
 * The slice of a Prisma model delegate (`prisma.hero`, ...) the generic repository uses.
 * Argument types are loose on purpose: each repository builds them from its own typed mapper.
 */
export interface ModelDelegate<Row> {
  findUnique(args: { where: { id: string } }): PromiseLike<Row | null>;
  findMany(args: { where?: object; orderBy?: OrderBy }): PromiseLike<Row[]>;
  create(args: { data: object }): PromiseLike<Row>;
  update(args: { where: { id: string }; data: object }): PromiseLike<Row>;
  delete(args: { where: { id: string } }): PromiseLike<Row>;
  /**
   * Prisma's field references of the model (`prisma.hero.fields`, which every generated delegate
   * has): they let the write path read the before-state with one raw SELECT (see BeforeStateReader).
   */
  readonly fields?: unknown;
}

/** How one entity is stored: its row <-> domain mapping. */
export interface RowMapper<T extends Entity, Row> {
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

/** Thrown to roll a probe's transaction back. */
const ROLL_BACK = Symbol('roll back');

/**
 * The isolation of a read-then-write transaction that reads with `findUnique` (no row lock): on
 * PostgreSQL REPEATABLE READ, under which an UPDATE of a row another transaction changed since the
 * read fails with a serialization error instead of overwriting it
 * (https://www.postgresql.org/docs/15/transaction-iso.html#XACT-REPEATABLE-READ), retried by
 * `retryOnWriteConflict`; elsewhere SERIALIZABLE, the one level SQLite accepts (a SQLite write
 * transaction holds the database's write lock).
 */
function readThenWriteIsolation(dialect: RawSqlDialect | null): TransactionOptions {
  return { isolationLevel: dialect === 'postgresql' ? 'RepeatableRead' : 'Serializable' };
}

/**
 * The generic part of every Prisma repository: CRUD, `findByIds` ordering, P2025 mapping, the
 * transactional `updateReturningBeforeImage` (a `BeforeImageRepository`, as a cached repository
 * requires), and writes that record their invalidation in the outbox table in the same
 * transaction (an `OutboxRecordingRepository`: the schema needs the `CacheOutbox` model).
 * Subclasses add their entity finders.
 *
 * The writes that return the state they replaced get exactly the row the write replaced, on
 * SQLite and on PostgreSQL, under concurrent writers. Once the probes of {@link BeforeStateReader}
 * (raw SELECT) and `RawUpdateWriter` (raw UPDATE) have passed for the model and the data's types,
 * an update is raw statements only (see `FastUpdate`): on PostgreSQL without an outbox row, one
 * statement that locks the old row and updates it; otherwise a raw SELECT, then a compare-and-set
 * UPDATE that applies only if the row still holds what was read (with the outbox row in the same
 * statement on PostgreSQL, in a batch transaction on SQLite), retried when another writer got in
 * between. Otherwise (an unproven model or data, `increment` and the like, a contended row): the
 * read and the compiled update in one transaction, with a raw `SELECT ... FOR UPDATE` (plain
 * `SELECT` on SQLite) once verified, else `findUnique` under REPEATABLE READ (PostgreSQL) or
 * SERIALIZABLE, retried on a write conflict. `findById` is the raw SELECT once verified. Outbox
 * rows are one raw INSERT once verified (see `RawOutboxCheck`), and deletes take the
 * before-state from `DELETE ... RETURNING`. Measured in bench/databases.ts.
 *
 * On SQLite, use an adapter that starts transactions with `BEGIN IMMEDIATE` (the example app's
 * SqliteAdapterFactory): with the stock adapter's deferred `BEGIN`, a read-then-write transaction
 * fails with SQLITE_BUSY when another process wrote meanwhile (it never returns a stale state).
 */
export abstract class PrismaRepository<
  T extends Entity,
  Row extends { id: string },
  Tx extends OutboxModel & RawSqlClient = OutboxModel & RawSqlClient,
> implements OutboxRecordingRepository<T> {
  /** `saveRecorded`, `updateRecorded` and `deleteRecorded` write the `CacheOutbox` row in the write's transaction. */
  readonly recordsWritesInOutbox = true;
  protected readonly model: ModelDelegate<Row>;
  readonly #before: BeforeStateReader<Row>;
  readonly #fast: FastUpdate<T, Row>;
  readonly #fallbackIsolation: TransactionOptions;
  readonly #outboxCheck: RawOutboxCheck<Tx>;

  protected constructor(
    /** Entity name used in errors, e.g. `Hero`. */
    protected readonly entityType: string,
    /** The application's generated client (it is also a `Tx`: a transaction client is a subset of it). */
    protected readonly prisma: Tx & PrismaClientLike<Tx>,
    /** The model delegate of this entity on the client or a transaction, e.g. `(db) => db.hero`. */
    protected readonly modelOf: (db: Tx) => ModelDelegate<Row>,
    protected readonly mapper: RowMapper<T, Row>,
    /**
     * The order of `findAll` (and a sensible default for finders), e.g. `byCreation` when the model has `createdAt`.
     */
    protected readonly listOrder: OrderBy,
  ) {
    this.model = modelOf(prisma);
    this.#outboxCheck = new RawOutboxCheck<Tx>(prisma);
    this.#before = new BeforeStateReader<Row>(prisma, this.model);
    const dialect = rawSqlDialect(prisma);
    const rolledBack: RolledBackTransaction<Row> = async (probe) => {
      try {
        await prisma.$transaction(async (tx) => {
          await probe(tx, modelOf(tx));
          throw ROLL_BACK;
        });
      } catch (error) {
        if (error !== ROLL_BACK) throw error;
      }
    };
    const writer = new RawUpdateWriter<Row>(prisma, this.model.fields, rolledBack);
    this.#fast = new FastUpdate<T, Row>(entityType, prisma, dialect, this.#before, writer, (row) =>
      mapper.toDomain(row),
    );
    this.#fallbackIsolation = readThenWriteIsolation(dialect);
  }

  /**
   * One raw SELECT once {@link BeforeStateReader} has verified it for the model (about a third of `findUnique`'s cost),
   * else `findUnique`.
   */
  async findById(id: string): Promise<T | null> {
    const select = await this.#before.readStatementFor(id);
    const row = select
      ? ((await this.prisma.$queryRawUnsafe<Row[]>(select, id))[0] ?? null)
      : await this.model.findUnique({ where: { id } });
    return row ? this.mapper.toDomain(row) : null;
  }

  async findByIds(ids: readonly string[]): Promise<T[]> {
    if (ids.length === 0) return [];
    const rows = await this.model.findMany({ where: { id: { in: distinctIds(ids) } } });
    return orderByIds(ids, rows).map((row) => this.mapper.toDomain(row));
  }

  findAll(): Promise<T[]> {
    return this.findManyMapped({}, this.listOrder);
  }

  async save(input: NewEntity<T>): Promise<T> {
    return this.mapper.toDomain(await this.model.create({ data: this.mapper.toCreateData(input) }));
  }

  async update(id: string, changes: EntityChanges<T>): Promise<T> {
    const data = this.mapper.toUpdateData(changes);
    const row = await this.notFoundAs(id, () => this.model.update({ where: { id }, data }));
    return this.mapper.toDomain(row);
  }

  async updateReturningBeforeImage(id: string, changes: EntityChanges<T>): Promise<EntityChange<T>> {
    const data = this.mapper.toUpdateData(changes);
    const fast = await this.#fast.update(id, data, null);
    if (fast) return fast;
    const select = await this.#before.statementFor(id);
    const [beforeRow, afterRow] = select
      ? await this.notFoundAs(id, async () => {
          const [rows, after] = await this.prisma.$transaction([
            this.prisma.$queryRawUnsafe<Row[]>(select, id),
            this.model.update({ where: { id }, data }),
          ]);
          return [rows[0] ?? null, after] as const;
        })
      : await retryOnWriteConflict(() =>
          this.notFoundAs(id, () =>
            this.prisma.$transaction(
              [this.model.findUnique({ where: { id } }), this.model.update({ where: { id }, data })],
              this.#fallbackIsolation,
            ),
          ),
        );
    // The update found the row, in the same transaction: the read did too.
    if (!beforeRow) throw new errors.EntityNotFoundError(this.entityType, id);
    return { before: this.mapper.toDomain(beforeRow), after: this.mapper.toDomain(afterRow) };
  }

  async saveRecorded(input: NewEntity<T>, affected: AffectedKeysOf<T>): Promise<T> {
    const dialect = await this.#outboxCheck.dialect();
    return this.prisma.$transaction(async (tx) => {
      const created = this.mapper.toDomain(await this.modelOf(tx).create({ data: this.mapper.toCreateData(input) }));
      await insertOutboxRow(tx, affected(null, created), dialect);
      return created;
    });
  }

  async updateRecorded(id: string, changes: EntityChanges<T>, affected: AffectedKeysOf<T>): Promise<EntityChange<T>> {
    const data = this.mapper.toUpdateData(changes);
    const dialect = await this.#outboxCheck.dialect();
    const fast = dialect ? await this.#fast.update(id, data, { affected, dialect }) : null;
    if (fast) return fast;
    const select = await this.#before.statementFor(id);
    const run = (): Promise<EntityChange<T>> =>
      this.prisma.$transaction(
        async (tx) => {
          const model = this.modelOf(tx);
          const beforeRow = select
            ? ((await tx.$queryRawUnsafe<Row[]>(select, id))[0] ?? null)
            : await model.findUnique({ where: { id } });
          if (!beforeRow) throw new errors.EntityNotFoundError(this.entityType, id);
          const before = this.mapper.toDomain(beforeRow);
          const after = this.mapper.toDomain(await model.update({ where: { id }, data }));
          await insertOutboxRow(tx, affected(before, after), dialect);
          return { before, after };
        },
        select ? undefined : this.#fallbackIsolation,
      );
    return select ? run() : retryOnWriteConflict(run);
  }

  async deleteRecorded(id: string, affected: AffectedKeysOf<T>): Promise<T | null> {
    const dialect = await this.#outboxCheck.dialect();
    try {
      return await this.prisma.$transaction(async (tx) => {
        // DELETE ... RETURNING: the row as deleted, whatever committed before.
        const deleted = this.mapper.toDomain(await this.modelOf(tx).delete({ where: { id } }));
        await insertOutboxRow(tx, affected(deleted, null), dialect);
        return deleted;
      });
    } catch (error) {
      if (isRecordNotFound(error)) return null;
      throw error;
    }
  }

  async delete(id: string): Promise<T | null> {
    try {
      return this.mapper.toDomain(await this.model.delete({ where: { id } }));
    } catch (error) {
      if (isRecordNotFound(error)) return null;
      throw error;
    }
  }

  /** Rows matching `where` in `orderBy` order, as domain objects. */
  protected async findManyMapped(where: object, orderBy: OrderBy): Promise<T[]> {
    const rows = await this.model.findMany({ where, orderBy });
    return rows.map((row) => this.mapper.toDomain(row));
  }

  private async notFoundAs<R>(id: string, run: () => PromiseLike<R>): Promise<R> {
    try {
      return await run();
    } catch (error) {
      if (isRecordNotFound(error)) throw new errors.EntityNotFoundError(this.entityType, id);
      throw error;
    }
  }
}
