import type { Entity, EntityChanges, NewEntity } from './entity';

/**
 * The keys (unprefixed) a change from `before` to `after` makes stale; `before` is null for a create, `after` for a
 * delete.
 */
export type AffectedKeysOf<T extends Entity> = (before: T | null, after: T | null) => readonly string[];

/**
 * Optional capability of a base repository: writes that also record the keys they make stale
 * in an invalidation outbox, in the same database transaction as the write (see
 * `InvalidationOutbox`). A cached repository uses it when its cache service has an outbox, so
 * the invalidation survives the writer losing Redis or dying before it delivers it.
 */
export interface OutboxRecordingRepository<T extends Entity> {
  saveRecorded(input: NewEntity<T>, affected: AffectedKeysOf<T>): Promise<T>;
  /** @throws {EntityNotFoundError} when `id` does not exist (nothing is recorded). */
  updateRecorded(id: string, changes: EntityChanges<T>, affected: AffectedKeysOf<T>): Promise<{ before: T; after: T }>;
  /** @returns the entity as it was, or null when `id` did not exist (nothing is recorded). */
  deleteRecorded(id: string, affected: AffectedKeysOf<T>): Promise<T | null>;
}

export function isOutboxRecording<T extends Entity>(repository: object): repository is OutboxRecordingRepository<T> {
  const candidate = repository as Partial<OutboxRecordingRepository<T>>;
  return (
    typeof candidate.saveRecorded === 'function' &&
    typeof candidate.updateRecorded === 'function' &&
    typeof candidate.deleteRecorded === 'function'
  );
}
