import type { AnyEntity, EntityChanges, IdOf, NewEntity } from './entity';
import { EntityNotFoundError } from '../errors';
import type { WriteReceipt } from './write-receipt';

export { EntityNotFoundError };

/**
 * The generic port every repository implements, plain or cached.
 * Ids are of the entity's id type (`IdOf<T>`: a string unless the entity says otherwise); `findByIds` keeps the order
 * of `ids` (first occurrence) and leaves out ids that do not exist and repeats.
 */
export interface Repository<T extends AnyEntity> {
  findById(id: IdOf<T>): Promise<T | null>;
  findByIds(ids: readonly IdOf<T>[]): Promise<T[]>;
  findAll(): Promise<T[]>;
  /** Creates an entity. @throws the store's error when the id is taken. */
  save(input: NewEntity<T>): Promise<T>;
  /** Changes an entity. @throws {EntityNotFoundError} when `id` does not exist. */
  update(id: IdOf<T>, changes: EntityChanges<T>): Promise<T>;
  /** Deletes an entity and returns it as it was, or `null` when `id` did not exist. */
  delete(id: IdOf<T>): Promise<T | null>;
}

/**
 * One update's before-image and after-image (the terms of database logging and change data
 * capture): the entity as the update found it and as the update left it.
 */
export interface EntityChange<T extends AnyEntity> {
  readonly before: T;
  readonly after: T;
  /**
   * Where the change log a started change capture consumer reads stood at the write (`KeyStateUpdateRepository`,
   * given the log): the cached repository leaves it beside the keys it invalidates, and the consumer then skips them.
   */
  readonly receipt?: WriteReceipt;
}

/**
 * What a base repository must give a cached repository: the state each write replaced, so the
 * keys that state occupied (a hero's old language list) are invalidated with the new state's.
 * `CachedRepository`, `CachedRepository.wrap`, `repositoryRegistration` and
 * `registerRepositories` accept only such a base; the compiler checks it.
 *
 * - `updateReturningBeforeImage` reads the before-image in the update's own transaction (or
 *   under the lock the update takes), so no other write can come between the read and the
 *   write. `PrismaRepository` does (REDIS_CACHE.md, section 9).
 * - `delete` (from {@link Repository}) returns the entity as the delete removed it, in the same
 *   way (`DELETE ... RETURNING`, or the row read in the delete's transaction).
 *
 * A base that cannot read in the write's transaction is wrapped in `readBeforeWrite(base)`,
 * whose bound is stated there.
 */
export interface BeforeImageRepository<T extends AnyEntity> extends Repository<T> {
  /**
   * Changes an entity and returns its before-image, read in this update's own transaction, and its after-image (what
   * `update` returns).
   * @throws {EntityNotFoundError} when `id` does not exist
   */
  updateReturningBeforeImage(id: IdOf<T>, changes: EntityChanges<T>): Promise<EntityChange<T>>;
}
