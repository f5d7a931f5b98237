import type { CapturedTable } from './captured-table';
import type { AnyEntity, EntityChanges, IdOf, NewEntity } from './entity';
import type { BeforeImageRepository, EntityChange } from './repository';

/**
 * The keys (unprefixed) a change from `before` to `after` makes stale; `before` is null for a create, `after` for a
 * delete.
 */
export type AffectedKeysOf<T extends AnyEntity> = (before: T | null, after: T | null) => readonly string[];

/**
 * A base repository whose writes also record the keys they make stale in an invalidation outbox,
 * in the same database transaction as the write (see `InvalidationOutbox`), so the invalidation
 * survives the writer losing Redis or dying before it delivers it. `PrismaRepository` is one.
 *
 * A cached repository whose cache service has an outbox (`CacheServiceOptions.outbox`) writes
 * only through these methods, and refuses at construction (`WriteCapabilityError`) a base that
 * does not declare {@link recordsWritesInOutbox}: a write that skipped the outbox would lose the
 * guarantee the outbox is configured for. Without an outbox it uses the plain writes.
 */
export interface OutboxRecordingRepository<T extends AnyEntity> extends BeforeImageRepository<T> {
  /** The declaration the cached repository reads, once, when it is constructed: `true`. */
  readonly recordsWritesInOutbox: true;
  saveRecorded(input: NewEntity<T>, affected: AffectedKeysOf<T>): Promise<T>;
  /**
   * Like `updateReturningBeforeImage`, and records `affected(before, after)` in the same transaction.
   * @param keyTables the strategy's `capture` declaration (the tables and the columns `affected` reads), passed by
   *   the cached repository; a repository may use it to avoid conflicts on the other columns (`PrismaRepository`
   *   does), and must still record exactly the keys of the change. Empty when the strategy declares none.
   * @throws {EntityNotFoundError} when `id` does not exist (nothing is recorded)
   */
  updateRecorded(
    id: IdOf<T>,
    changes: EntityChanges<T>,
    affected: AffectedKeysOf<T>,
    keyTables?: readonly CapturedTable<T>[],
  ): Promise<EntityChange<T>>;
  /** @returns the entity as it was, or null when `id` did not exist (nothing is recorded). */
  deleteRecorded(id: IdOf<T>, affected: AffectedKeysOf<T>): Promise<T | null>;
}
