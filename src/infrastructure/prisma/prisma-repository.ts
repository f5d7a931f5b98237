import type { Prisma, PrismaClient } from '../../../generated/prisma/client';
import type { Entity, EntityChanges, NewEntity } from '../../domain';
import { EntityNotFoundError, type ChangeTrackingRepository, type Repository } from '../../repositories';
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

/**
 * The generic part of every Prisma repository: CRUD, `findByIds` ordering, P2025 mapping and the
 * transactional `updateReturningPrevious`. Subclasses add their entity finders.
 */
export abstract class PrismaRepository<T extends Entity, Row extends { id: string }>
  implements Repository<T>, ChangeTrackingRepository<T>
{
  protected constructor(
    /** Entity name used in errors, e.g. `Hero`. */
    protected readonly entityType: string,
    protected readonly prisma: PrismaClient,
    protected readonly model: ModelDelegate<Row>,
    protected readonly mapper: RowMapper<T, Row>,
  ) {}

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
