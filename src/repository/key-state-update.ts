import type { CapturedTable } from './captured-table';
import type { AnyEntity, EntityChanges, IdOf } from './entity';
import type { EntityChange } from './repository';
import type { ChangeLogRef } from './write-receipt';

/**
 * A base repository whose update can return a before-state that is exact only where a strategy's keys read it, and so
 * can skip the read of the whole row under a lock: `PrismaRepository` on SQLite then sends one compare-and-set
 * `UPDATE` of the declared columns (autocommit, SQLite's write lock held for that one statement) instead of a batch
 * transaction (`BEGIN IMMEDIATE`, the locked `SELECT`, the `UPDATE`), which other processes wait for, asleep in
 * SQLite's busy handler (REDIS_CACHE.md section 14).
 *
 * A cached repository calls it only while a change capture consumer reads the entity's tables (`DurableWrites`): the
 * keys of every write outside the repositories then already come from the strategy's `capture` declaration alone, so
 * this adds no trust in it that capture does not already place.
 */
export interface KeyStateUpdateRepository<T extends AnyEntity> {
  /**
   * Like `updateReturningBeforeImage`, except that `before` is exact only in the columns `keyTables` declares for the
   * base's own table and in every column the update does not set; a column the update sets and the declaration does
   * not name may hold an older value. Without a declaration for its table, exactly `updateReturningBeforeImage`.
   * @param keyTables the strategy's `capture` declaration
   * @param log the change log the started consumer reads, when the caller knows it: a base that can tell where that
   *   log stood at the write returns it as `receipt` (`write-receipt.ts`); it must then be exact, or leave it out
   * @throws {EntityNotFoundError} when `id` does not exist
   */
  updateReturningKeyState(
    id: IdOf<T>,
    changes: EntityChanges<T>,
    keyTables: readonly CapturedTable<T>[],
    log?: ChangeLogRef | null,
  ): Promise<EntityChange<T>>;
}
