import {
  errors,
  type AffectedKeysOf,
  type EntityChange,
  type EntityChanges,
  type NewEntity,
  type OutboxRecordingRepository,
} from '../index';
import type { ChangeLogRef } from '../capture/index';
import { type AnyEntity, type IdOf } from '../ids/index';
import { BeforeStateReader } from './before-state';
import { FastUpdate } from './fast-update';
import { KeyedUpdate } from './keyed-update';
import { PointReads } from './point-reads';
import { insertOutboxRow, RawOutboxCheck, type OutboxModel } from './prisma-outbox';
import {
  checkListOrder,
  distinctIds,
  isRecordNotFound,
  keyColumnsOf,
  nullIfRecordNotFound,
  orderByIds,
  type KeyTable,
  type OrderBy,
} from './prisma-helpers';
import { PrismaIds, type PrismaIdArguments } from './prisma-ids';
import type { ModelDelegate, PrismaClientLike, RowMapper, TransactionOptions } from './prisma-ports';
import { plainScalarFields, rawSqlDialect, type RawSqlClient } from './raw-sql';
import { RawUpdateWriter, rollingBack, type ProbedModel } from './raw-update';
import { RecentRows } from './recent-rows';
import { readThenWriteIsolation, retryOnWriteConflict } from './write-conflicts';

export type { ModelDelegate, PrismaClientLike, RowMapper, TransactionOptions } from './prisma-ports';

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
 * an update is raw statements only, locking the row it replaces (see `FastUpdate`). Otherwise (an
 * unproven model or data, `increment` and the like, a row changed by others three times): the read
 * and the compiled update in one transaction, with a raw `SELECT ... FOR UPDATE` (plain `SELECT` on
 * SQLite) once verified, else `findUnique` under REPEATABLE READ (PostgreSQL) or SERIALIZABLE,
 * retried on a write conflict. `findById` is the raw SELECT once verified. Outbox rows are one raw
 * INSERT once verified (`RawOutboxCheck`); deletes take the before-state from `DELETE ... RETURNING`.
 *
 * On SQLite, use an adapter that starts transactions with `BEGIN IMMEDIATE` (the example app's
 * SqliteAdapterFactory): with the stock adapter's deferred `BEGIN`, a read-then-write transaction
 * fails with SQLITE_BUSY when another process wrote meanwhile (it never returns a stale state).
 *
 * Ids: a string `id` field by default; an `Int` or `BigInt` `id`, or a composite `@@id`, with the last constructor
 * argument (`{ id: intId() }`, `{ id: bigIntId() }`, `{ id: compositeId({ ... }) }`; the compiler requires it for any
 * id but a string). Every id a method is given is checked first (`InvalidIdError`). The raw SQL of the write path
 * binds scalar ids of plain column types only (String, Int): a BigInt model and a composite id take the general path.
 * Usable as is (`new PrismaRepository(...)`) for the CRUD of any model; subclass it to add finders.
 */
export class PrismaRepository<
  T extends AnyEntity,
  Row extends object,
  Tx extends OutboxModel & RawSqlClient = OutboxModel & RawSqlClient,
> implements OutboxRecordingRepository<T> {
  /** `saveRecorded`, `updateRecorded` and `deleteRecorded` write the `CacheOutbox` row in the write's transaction. */
  readonly recordsWritesInOutbox = true;
  protected readonly model: ModelDelegate<Row, IdOf<T>>;
  readonly #ids: PrismaIds<IdOf<T>>;
  readonly #before: BeforeStateReader<Row>;
  readonly #fast: FastUpdate<T, Row>;
  readonly #keyed: KeyedUpdate<T, Row>;
  readonly #fallbackIsolation: TransactionOptions;
  readonly #outboxCheck: RawOutboxCheck<Tx>;
  /** Rows as last read or written by raw statements, tried as the before-state of the next update (`FastUpdate`). */
  readonly #recent = new RecentRows<Row>();
  /** `findById`'s raw SELECTs of a tick, as one statement (created once the probe passed). */
  #points: PointReads<Row> | null = null;
  /** The model's table and scalar columns as raw SQL names them, when its fields are all of plain types. */
  readonly #rawTable: { name: string; columns: readonly string[] } | null;

  /**
   * @throws {InvalidIdError} when a composite id codec is invalid (see `compositeId`)
   */
  constructor(
    /** Entity name used in errors, e.g. `Hero`. */
    protected readonly entityType: string,
    /** The application's generated client (it is also a `Tx`: a transaction client is a subset of it). */
    protected readonly prisma: Tx & PrismaClientLike<Tx>,
    /** The model delegate of this entity on the client or a transaction, e.g. `(db) => db.hero`. */
    protected readonly modelOf: (db: Tx) => ModelDelegate<Row, IdOf<T>>,
    protected readonly mapper: RowMapper<T, Row>,
    /**
     * The order of `findAll` (and a sensible default for finders), e.g. `byCreation` when the model has `createdAt`
     * and an `id` column. @throws {StrategyError} when it names a column the model does not have
     */
    protected readonly listOrder: OrderBy,
    /** The id type and, for a composite id, its compound name: required unless the id is a string. */
    ...[options]: PrismaIdArguments<IdOf<T>>
  ) {
    this.model = modelOf(prisma);
    checkListOrder(entityType, listOrder, this.model.fields);
    this.#ids = new PrismaIds<IdOf<T>>(options);
    this.#outboxCheck = new RawOutboxCheck<Tx>(prisma);
    // Raw SQL binds one scalar `id`: a composite id never takes it, even when the model has a field named id.
    const rawFields = this.#ids.scalar ? this.model.fields : undefined;
    this.#before = new BeforeStateReader<Row>(prisma, {
      findUnique: ({ where }) => this.model.findUnique({ where: this.#ids.where(where.id as IdOf<T>) }),
      fields: rawFields,
    });
    const refs = plainScalarFields(rawFields);
    this.#rawTable = refs?.[0] ? { name: refs[0].modelName, columns: refs.map((field) => field.name) } : null;
    const dialect = rawSqlDialect(prisma);
    // Probes run for a scalar id only (rawFields), whose `where` is `{ id }`.
    const rolledBack = rollingBack<Tx, Row>(prisma, (tx) => modelOf(tx) as unknown as ProbedModel<Row>);
    const writer = new RawUpdateWriter<Row>(prisma, rawFields, rolledBack);
    const toDomain = (row: Row): T => mapper.toDomain(row);
    this.#fast = new FastUpdate<T, Row>(entityType, prisma, dialect, this.#before, writer, toDomain, this.#recent);
    this.#keyed = new KeyedUpdate<T, Row>(entityType, prisma, dialect, this.#before, writer, toDomain, this.#recent);
    this.#fallbackIsolation = readThenWriteIsolation(dialect);
  }

  /**
   * One raw SELECT once {@link BeforeStateReader} has verified it for the model (about a third of `findUnique`'s cost),
   * else `findUnique`; the reads of one tick share one statement (`PointReads`).
   */
  async findById(id: IdOf<T>): Promise<T | null> {
    const valid = this.#checked(id);
    const statements = (await this.#before.readStatementFor(valid)) ? this.#before.pointReadStatements : null;
    if (!statements) {
      const row = await this.model.findUnique({ where: this.#ids.where(valid) });
      return row ? this.mapper.toDomain(row) : null;
    }
    this.#points ??= new PointReads<Row>(this.prisma, statements);
    const row = await this.#points.read(valid);
    if (!row) return null;
    this.#recent.remember(valid, row);
    return this.mapper.toDomain(row);
  }

  async findByIds(ids: readonly IdOf<T>[]): Promise<T[]> {
    const valid = ids.map((id) => this.#checked(id));
    if (valid.length === 0) return [];
    const codec = this.#ids.codec;
    const rows = await this.model.findMany({ where: this.#ids.whereAny(distinctIds(valid, codec)) });
    return orderByIds(
      valid,
      rows.map((row) => this.mapper.toDomain(row)),
      codec,
    );
  }

  findAll(): Promise<T[]> {
    return this.findManyMapped({}, this.listOrder);
  }

  async save(input: NewEntity<T>): Promise<T> {
    return this.mapper.toDomain(await this.model.create({ data: this.mapper.toCreateData(input) }));
  }

  async update(id: IdOf<T>, changes: EntityChanges<T>): Promise<T> {
    const valid = this.#checked(id);
    const data = this.mapper.toUpdateData(changes);
    const row = await this.notFoundAs(valid, () => this.model.update({ where: this.#ids.where(valid), data }));
    return this.mapper.toDomain(row);
  }

  async updateReturningBeforeImage(given: IdOf<T>, changes: EntityChanges<T>): Promise<EntityChange<T>> {
    const id = this.#checked(given);
    const where = this.#ids.where(id);
    const data = this.mapper.toUpdateData(changes);
    const fast = await this.#fast.update(id, data, null);
    if (fast) return fast;
    this.#recent.forget(id);
    const select = await this.#before.statementFor(id);
    const [beforeRow, afterRow] = select
      ? await this.notFoundAs(id, async () => {
          const [rows, after] = await this.prisma.$transaction([
            this.prisma.$queryRawUnsafe<Row[]>(select, id),
            this.model.update({ where, data }),
          ]);
          return [rows[0] ?? null, after] as const;
        })
      : await retryOnWriteConflict(() =>
          this.notFoundAs(id, () =>
            this.prisma.$transaction(
              [this.model.findUnique({ where }), this.model.update({ where, data })],
              this.#fallbackIsolation,
            ),
          ),
        );
    // The update found the row, in the same transaction: the read did too.
    if (!beforeRow) throw new errors.EntityNotFoundError(this.entityType, id);
    return { before: this.mapper.toDomain(beforeRow), after: this.mapper.toDomain(afterRow) };
  }

  /**
   * `KeyStateUpdateRepository` (`cachedrepo/capture`): on SQLite, with `keyTables` naming this model's table with
   * columns of the model, one compare-and-set `UPDATE` of those columns (`KeyedUpdate`); else
   * {@link updateReturningBeforeImage}.
   */
  async updateReturningKeyState(
    given: IdOf<T>,
    changes: EntityChanges<T>,
    keyTables: readonly KeyTable[],
    log?: ChangeLogRef | null,
  ): Promise<EntityChange<T>> {
    const id = this.#checked(given);
    const keyColumns = keyColumnsOf(keyTables, this.#rawTable);
    const data = this.mapper.toUpdateData(changes);
    const keyed = keyColumns ? await this.#keyed.update(id, data, keyColumns, log) : null;
    // PostgreSQL's exact update is one statement already: it returns the receipt of a PostgreSQL log.
    return keyed ?? (await this.#fast.update(id, data, null, log)) ?? this.updateReturningBeforeImage(id, changes);
  }

  async saveRecorded(input: NewEntity<T>, affected: AffectedKeysOf<T>): Promise<T> {
    const dialect = await this.#outboxCheck.dialect();
    return this.prisma.$transaction(async (tx) => {
      const created = this.mapper.toDomain(await this.modelOf(tx).create({ data: this.mapper.toCreateData(input) }));
      await insertOutboxRow(tx, affected(null, created), dialect);
      return created;
    });
  }

  /**
   * @param keyTables the strategy's capture declaration: when it names this model's table with columns of the model,
   *   the raw write compares only those columns (see `FastUpdate`)
   */
  async updateRecorded(
    given: IdOf<T>,
    changes: EntityChanges<T>,
    affected: AffectedKeysOf<T>,
    keyTables: readonly KeyTable[] = [],
  ): Promise<EntityChange<T>> {
    const id = this.#checked(given);
    const where = this.#ids.where(id);
    const data = this.mapper.toUpdateData(changes);
    const dialect = await this.#outboxCheck.dialect();
    const keyColumns = keyColumnsOf(keyTables, this.#rawTable);
    const fast = dialect ? await this.#fast.update(id, data, { affected, dialect, keyColumns }) : null;
    if (fast) return fast;
    this.#recent.forget(id);
    const select = await this.#before.statementFor(id);
    const run = (): Promise<EntityChange<T>> =>
      this.prisma.$transaction(
        async (tx) => {
          const model = this.modelOf(tx);
          const beforeRow = select
            ? ((await tx.$queryRawUnsafe<Row[]>(select, id))[0] ?? null)
            : await model.findUnique({ where });
          if (!beforeRow) throw new errors.EntityNotFoundError(this.entityType, id);
          const before = this.mapper.toDomain(beforeRow);
          const after = this.mapper.toDomain(await model.update({ where, data }));
          await insertOutboxRow(tx, affected(before, after), dialect);
          return { before, after };
        },
        select ? undefined : this.#fallbackIsolation,
      );
    return select ? run() : retryOnWriteConflict(run);
  }

  async deleteRecorded(id: IdOf<T>, affected: AffectedKeysOf<T>): Promise<T | null> {
    const where = this.#ids.where(this.#checked(id));
    this.#recent.forget(id);
    const dialect = await this.#outboxCheck.dialect();
    return nullIfRecordNotFound(() =>
      this.prisma.$transaction(async (tx) => {
        // DELETE ... RETURNING: the row as deleted, whatever committed before.
        const deleted = this.mapper.toDomain(await this.modelOf(tx).delete({ where }));
        await insertOutboxRow(tx, affected(deleted, null), dialect);
        return deleted;
      }),
    );
  }

  async delete(id: IdOf<T>): Promise<T | null> {
    const where = this.#ids.where(this.#checked(id));
    this.#recent.forget(id);
    return nullIfRecordNotFound(async () => this.mapper.toDomain(await this.model.delete({ where })));
  }

  /** Rows matching `where` in `orderBy` order, as domain objects. */
  protected async findManyMapped(where: object, orderBy: OrderBy): Promise<T[]> {
    const rows = await this.model.findMany({ where, orderBy });
    return rows.map((row) => this.mapper.toDomain(row));
  }

  /** `id` when it is an id of the model's type. @throws {InvalidIdError} otherwise */
  #checked(id: unknown): IdOf<T> {
    return this.#ids.check(this.entityType, id);
  }

  private async notFoundAs<R>(id: IdOf<T>, run: () => PromiseLike<R>): Promise<R> {
    try {
      return await run();
    } catch (error) {
      if (isRecordNotFound(error)) throw new errors.EntityNotFoundError(this.entityType, id);
      throw error;
    }
  }
}
