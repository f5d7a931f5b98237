import { EntityNotFoundError, type AffectedKeysOf, type ChangeTrackingRepository, type Entity, type EntityChanges, type NewEntity, type OutboxRecordingRepository, type Repository } from '@cachedrepo/core';
import { recordInvalidation, type OutboxModel } from './prisma-outbox';
import { distinctIds, isRecordNotFound, orderByIds, type OrderBy } from './prisma-helpers';

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
}

/** How one entity is stored: its row <-> domain mapping. */
export interface RowMapper<T extends Entity, Row> {
  toDomain(row: Row): T;
  toCreateData(input: NewEntity<T>): object;
  toUpdateData(changes: EntityChanges<T>): object;
}

/**
 * What the repositories need of an application's generated Prisma client: interactive
 * transactions whose client `Tx` (Prisma's `TransactionClient`) has the `CacheOutbox` model.
 * A generated `PrismaClient` fits as is; this package never imports one.
 */
export interface PrismaClientLike<Tx extends OutboxModel> {
  $transaction<R>(run: (tx: Tx) => Promise<R>): Promise<R>;
}

/**
 * The generic part of every Prisma repository: CRUD, `findByIds` ordering, P2025 mapping, the
 * transactional `updateReturningPrevious`, and writes that record their invalidation in the
 * outbox table in the same transaction. Subclasses add their entity finders.
 */
export abstract class PrismaRepository<T extends Entity, Row extends { id: string }, Tx extends OutboxModel = OutboxModel>
  implements Repository<T>, ChangeTrackingRepository<T>, OutboxRecordingRepository<T>
{
  protected readonly model: ModelDelegate<Row>;

  protected constructor(
    /** Entity name used in errors, e.g. `Hero`. */
    protected readonly entityType: string,
    /** The application's generated client (it is also a `Tx`: a transaction client is a subset of it). */
    protected readonly prisma: Tx & PrismaClientLike<Tx>,
    /** The model delegate of this entity on the client or a transaction, e.g. `(db) => db.hero`. */
    protected readonly modelOf: (db: Tx) => ModelDelegate<Row>,
    protected readonly mapper: RowMapper<T, Row>,
    /** The order of `findAll` (and a sensible default for finders), e.g. `byCreation` when the model has `createdAt`. */
    protected readonly listOrder: OrderBy,
  ) {
    this.model = modelOf(prisma);
  }

  async findById(id: string): Promise<T | null> {
    const row = await this.model.findUnique({ where: { id } });
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

  async updateReturningPrevious(id: string, changes: EntityChanges<T>): Promise<{ before: T; after: T }> {
    const data = this.mapper.toUpdateData(changes);
    // One SQL transaction: the read sees exactly the state the update replaces.
    return this.prisma.$transaction(async (tx) => {
      const model = this.modelOf(tx);
      const before = await model.findUnique({ where: { id } });
      if (!before) throw new EntityNotFoundError(this.entityType, id);
      return { before: this.mapper.toDomain(before), after: this.mapper.toDomain(await model.update({ where: { id }, data })) };
    });
  }

  async saveRecorded(input: NewEntity<T>, affected: AffectedKeysOf<T>): Promise<T> {
    return this.prisma.$transaction(async (tx) => {
      const created = this.mapper.toDomain(await this.modelOf(tx).create({ data: this.mapper.toCreateData(input) }));
      await recordInvalidation(tx, affected(null, created));
      return created;
    });
  }

  async updateRecorded(id: string, changes: EntityChanges<T>, affected: AffectedKeysOf<T>): Promise<{ before: T; after: T }> {
    const data = this.mapper.toUpdateData(changes);
    return this.prisma.$transaction(async (tx) => {
      const model = this.modelOf(tx);
      const beforeRow = await model.findUnique({ where: { id } });
      if (!beforeRow) throw new EntityNotFoundError(this.entityType, id);
      const before = this.mapper.toDomain(beforeRow);
      const after = this.mapper.toDomain(await model.update({ where: { id }, data }));
      await recordInvalidation(tx, affected(before, after));
      return { before, after };
    });
  }

  async deleteRecorded(id: string, affected: AffectedKeysOf<T>): Promise<T | null> {
    return this.prisma.$transaction(async (tx) => {
      const model = this.modelOf(tx);
      const row = await model.findUnique({ where: { id } });
      if (!row) return null;
      const deleted = this.mapper.toDomain(await model.delete({ where: { id } }));
      await recordInvalidation(tx, affected(deleted, null));
      return deleted;
    });
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
      if (isRecordNotFound(error)) throw new EntityNotFoundError(this.entityType, id);
      throw error;
    }
  }
}
