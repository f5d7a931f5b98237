import type { CapturedTable } from './captured-table';
import type { ChangeLogRef } from './write-receipt';
import type { AnyEntity, EntityChanges, IdOf, NewEntity } from './entity';
import type { KeyStateUpdateRepository } from './key-state-update';
import type { AffectedKeysOf, OutboxRecordingRepository } from './outbox-recording';
import type { BeforeImageRepository, EntityChange } from './repository';
import { WriteCapabilityError } from '../errors';

/** The writes a cached repository sends to its base, chosen once when it is constructed. */
export interface WritePath<T extends AnyEntity> {
  save(input: NewEntity<T>): Promise<T>;
  update(id: IdOf<T>, changes: EntityChanges<T>): Promise<EntityChange<T>>;
  delete(id: IdOf<T>): Promise<T | null>;
}

const OUTBOX_WRITES = ['saveRecorded', 'updateRecorded', 'deleteRecorded'] as const;

/** How a cached repository over a base writes (see {@link writePathOf}). */
export interface WritePathOptions<T extends AnyEntity> {
  /** The cache service records writes in an outbox (configuration: the base must be able to). */
  withOutbox: boolean;
  /** Whether this write records an outbox row (asked on every write, only `withOutbox`). */
  recordsNow: () => boolean;
  /** Whether a started change capture consumer reads the entity's tables now (asked on every update). */
  capturedNow: () => boolean;
  /**
   * The change log a started consumer reads for the entity now (`DurableWrites.changeLogOf`), given to a keyed update
   * so that it returns the write's receipt. @default none
   */
  changeLogNow?: () => ChangeLogRef | null;
  /** The keys a change makes stale (the strategy's), recorded by outbox writes. */
  affected: AffectedKeysOf<T>;
  /** The strategy's `capture` declaration: the columns `affected` reads. @default [] */
  keyTables?: readonly CapturedTable<T>[];
}

/**
 * The write path of a cached repository over `base`: the outbox-recording writes when its cache
 * service records writes in an outbox (`withOutbox`), else `save`, `updateReturningBeforeImage`
 * and `delete`. With an outbox, `recordsNow` is asked on every write: false while a started change
 * capture consumer reads the entity's tables (`DurableWrites`), and the write then takes the plain
 * path, its change log being its outbox. While one does (`capturedNow`), an update of a base that
 * offers `updateReturningKeyState` (a {@link KeyStateUpdateRepository}) goes there with the
 * declaration. The compiler already requires a {@link BeforeImageRepository}; the checks here
 * catch what a cast or plain JavaScript lets through, and the outbox, which is configuration
 * (checked even while capture runs: it may stop).
 * @throws {WriteCapabilityError} when `base` has no `updateReturningBeforeImage`, or when
 *   `withOutbox` and `base` does not declare `recordsWritesInOutbox: true` with its three writes
 */
export function writePathOf<T extends AnyEntity>(
  base: BeforeImageRepository<T>,
  entityType: string,
  options: WritePathOptions<T>,
): WritePath<T> {
  const { withOutbox, recordsNow, capturedNow, affected, keyTables = [], changeLogNow = () => null } = options;
  if (typeof (base as Partial<BeforeImageRepository<T>>).updateReturningBeforeImage !== 'function')
    throw new WriteCapabilityError(
      `The ${entityType} repository has no updateReturningBeforeImage, so a cached update could not know ` +
        `which keys the replaced state occupied: implement BeforeImageRepository (read the state in the ` +
        `update's transaction), or wrap the repository in readBeforeWrite(repository) and accept its bound ` +
        `(REDIS_CACHE.md, section 3)`,
    );
  const keyed = (base as Partial<KeyStateUpdateRepository<T>>).updateReturningKeyState;
  const keyedUpdate =
    typeof keyed === 'function' && keyTables.length > 0
      ? (id: IdOf<T>, changes: EntityChanges<T>) => keyed.call(base, id, changes, keyTables, changeLogNow())
      : null;
  const plain: WritePath<T> = {
    save: (input) => base.save(input),
    update: (id, changes) =>
      keyedUpdate && capturedNow() ? keyedUpdate(id, changes) : base.updateReturningBeforeImage(id, changes),
    delete: (id) => base.delete(id),
  };
  if (!withOutbox) return plain;
  const recording = base as Partial<OutboxRecordingRepository<T>>;
  if (recording.recordsWritesInOutbox !== true)
    throw new WriteCapabilityError(
      `The ${entityType} repository cannot record its writes in the invalidation outbox its CacheService ` +
        `is configured with, and a write that skipped the outbox would lose what the outbox guarantees: ` +
        `implement OutboxRecordingRepository (PrismaRepository does), or serve ${entityType} through a ` +
        `CacheService without one (no outbox option, or CACHE_OUTBOX_ENABLED=false)`,
    );
  const missing = OUTBOX_WRITES.filter((name) => typeof recording[name] !== 'function');
  if (missing.length > 0)
    throw new WriteCapabilityError(
      `The ${entityType} repository declares recordsWritesInOutbox but has no ${missing.join(', ')}: ` +
        `implement OutboxRecordingRepository in full`,
    );
  const outbox = recording as OutboxRecordingRepository<T>;
  return {
    save: (input) => (recordsNow() ? outbox.saveRecorded(input, affected) : plain.save(input)),
    update: (id, changes) =>
      recordsNow() ? outbox.updateRecorded(id, changes, affected, keyTables) : plain.update(id, changes),
    delete: (id) => (recordsNow() ? outbox.deleteRecorded(id, affected) : plain.delete(id)),
  };
}
