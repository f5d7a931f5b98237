import type { Prisma, PrismaClient } from '../../../generated/prisma/client';
import type { Entity, EntityChanges, NewEntity } from '../../domain';
import { EntityNotFoundError, type AffectedKeysOf, type ChangeTrackingRepository, type OutboxRecordingRepository, type Repository } from '../../repositories';
import { recordInvalidation } from './prisma-outbox';
import { byCreation, distinctIds, isRecordNotFound, orderByIds, type OrderBy } from './prisma-helpers';

/**
 * The slice of a Prisma model delegate (`prisma.hero`, ...) the generic repository uses.
 * Argument types are loose on purpose: each repository builds them from its own typed mapper.
 */
export interface ModelDelegate<Row> {
  findUnique(args: { where: { id: string } }): Prisma.PrismaPromise<Row | null>;
  findMany(args: { where?: object; orderBy?: OrderBy }): Prisma.PrismaPromise<Row[]>;
  create(args: { data: object }): Prisma.PrismaPromise<Row>;
  update(args: { where: { id: string }; data: object }): Prisma.PrismaPromise<Row>;
  delete(args: { where: { id: string } }): Prisma.PrismaPromise<Row>;
}

/** How one entity is stored: its row <-> domain mapping. */
export interface RowMapper<T extends Entity, Row> {
  toDomain(row: Row): T;
  toCreateData(input: NewEntity<T>): object;
  toUpdateData(changes: EntityChanges<T>): object;
}

/** A Prisma client or the client of an interactive transaction. */
export type PrismaDb = PrismaClient | Prisma.TransactionClient;

/**
 * The generic part of every Prisma repository: CRUD, `findByIds` ordering, P2025 mapping, the
 * transactional `updateReturningPrevious`, and writes that record their invalidation in the
 * outbox table in the same transaction. Subclasses add their entity finders.
 */
export abstract class PrismaRepository<T extends Entity, Row extends { id: string }>
  implements Repository<T>, ChangeTrackingRepository<T>, OutboxRecordingRepository<T>
{
  protected readonly model: ModelDelegate<Row>;

  protected constructor(
    /** Entity name used in errors, e.g. `Hero`. */
    protected readonly entityType: string,
    protected readonly prisma: PrismaClient,
    /** The model delegate of this entity on a client or a transaction, e.g. `(db) => db.hero`. */
    protected readonly modelOf: (db: PrismaDb) => ModelDelegate<Row>,
    protected readonly mapper: RowMapper<T, Row>,
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
    return this.findManyMapped({}, byCreation);
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
    const [before, after] = await this.notFoundAs(id, () =>
      this.prisma.$transaction([this.model.findUnique({ where: { id } }), this.model.update({ where: { id }, data })]),
    );
    if (!before) throw new EntityNotFoundError(this.entityType, id);
    return { before: this.mapper.toDomain(before), after: this.mapper.toDomain(after) };
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

  private async notFoundAs<R>(id: string, run: () => Promise<R>): Promise<R> {
    try {
      return await run();
    } catch (error) {
      if (isRecordNotFound(error)) throw new EntityNotFoundError(this.entityType, id);
      throw error;
    }
  }
}
