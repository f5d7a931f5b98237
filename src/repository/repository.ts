import type { Entity, EntityChanges, NewEntity } from './entity';
import { EntityNotFoundError } from '../errors';

export { EntityNotFoundError };

/**
 * The generic port every repository implements, plain or cached.
 * Ids are strings; `findByIds` keeps the order of `ids` (first occurrence) and leaves out ids
 * that do not exist and repeats.
 */
export interface Repository<T extends Entity> {
  findById(id: string): Promise<T | null>;
  findByIds(ids: readonly string[]): Promise<T[]>;
  findAll(): Promise<T[]>;
  /** Creates an entity. @throws the store's error when the id is taken. */
  save(input: NewEntity<T>): Promise<T>;
  /** Changes an entity. @throws {EntityNotFoundError} when `id` does not exist. */
  update(id: string, changes: EntityChanges<T>): Promise<T>;
  /** Deletes an entity and returns it as it was, or `null` when `id` did not exist. */
  delete(id: string): Promise<T | null>;
}

/**
 * Optional capability: an update that also returns the entity as it was, read in the same
 * transaction. The cached repository uses it to know which keys the old state occupied
 * (for example a hero's old language list) without a race against a concurrent writer.
 */
export interface ChangeTrackingRepository<T extends Entity> {
  updateReturningPrevious(id: string, changes: EntityChanges<T>): Promise<{ before: T; after: T }>;
}

export function isChangeTracking<T extends Entity>(repository: object): repository is ChangeTrackingRepository<T> {
  return typeof (repository as Partial<ChangeTrackingRepository<T>>).updateReturningPrevious === 'function';
}
