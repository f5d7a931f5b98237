import type { RowImage } from '../repository/captured-table';

/**
 * The database side of change capture: where committed row changes are read from, in commit order, and confirmed
 * once their keys are invalidated. One implementation per database (PostgreSQL's logical replication, SQLite's
 * trigger-fed change table), chosen once when a {@link ChangeCapture} is built.
 */

/** One changed row: its table and its old and new images (`before` null for an INSERT, `after` null for a DELETE). */
export interface RowChange {
  readonly table: string;
  readonly before: RowImage | null;
  readonly after: RowImage | null;
  /**
   * The change's position in the log, as writers' receipts name it (`write-receipt.ts`): SQLite the change row's id,
   * PostgreSQL its transaction's id (unsigned, 32 bits).
   * Without it, the change's keys are always invalidated.
   */
  readonly position?: number | undefined;
}

/** Changes handed to the consumer at once. */
export interface ChangeBatch {
  readonly changes: readonly RowChange[];
  /**
   * Set when the source cannot say which rows changed (a replication slot dropped or invalidated, a TRUNCATE, an
   * UPDATE without its old image): the consumer clears the whole prefix before the batch is confirmed. Says why.
   */
  readonly clearAll?: string | undefined;
  /** When the newest change of the batch was committed, in ms since the epoch, if the source knows. */
  readonly committedAt?: number | undefined;
}

/**
 * Applies one batch: resolves true once every key it makes stale is invalidated (the source may then confirm it),
 * false when they could not be (the source stops and reads the batch again next time).
 */
export type ApplyBatch = (batch: ChangeBatch) => Promise<boolean>;

/** How far the consumer is behind the database. */
export interface CaptureLag {
  /**
   * PostgreSQL: bytes of WAL written since the slot's confirmed position (`pg_current_wal_lsn()` minus
   * `confirmed_flush_lsn`), which the server keeps for the slot. SQLite: null.
   */
  bytes: number | null;
  /** Changes waiting in SQLite's change table; null on PostgreSQL (not known without decoding). */
  changes: number | null;
  /**
   * Seconds since the oldest change not yet confirmed was committed: SQLite from the change table; PostgreSQL from the
   * commit time of the oldest transaction this process received and has not confirmed (0 when caught up), null when
   * this process is not the consumer.
   */
  seconds: number | null;
  /** PostgreSQL: the slot's `wal_status` (`reserved`, `extended`, `unreserved`, `lost`), or `missing`. */
  slotStatus?: string;
}

/** The captured tables, each with the columns its strategies read. */
export type CapturedColumns = ReadonlyMap<string, readonly string[]>;

/** A database's record of committed changes, read by one consumer at a time. */
export interface ChangeSource {
  /** `postgresql` or `sqlite`, for logs and health. */
  readonly kind: 'postgresql' | 'sqlite';
  /** What the consumer lease is named after: the slot, or the change table. Same in every process. */
  readonly name: string;
  /**
   * Checks that the database is set up for capturing `tables` (read-only), so that a mistake stops start-up.
   * @throws {CaptureSetupError} saying what to fix
   */
  check(tables: CapturedColumns): Promise<void>;
  /**
   * Reads committed changes of `tables` from the last confirmed position on, in commit order, and hands them to
   * `apply`; confirms what `apply` accepted, so that a restart resumes after it and never skips what it did not.
   * @returns when {@link stop} was called or `apply` returned false
   * @throws a database error (the consumer logs it and starts again later), or {@link CaptureSetupError}
   */
  consume(tables: CapturedColumns, apply: ApplyBatch): Promise<void>;
  /** Stops a {@link consume} under way (it then resolves); nothing it did not confirm is lost. */
  stop(): Promise<void>;
  /** The consumer's lag, measured now. @throws a database error */
  lag(): Promise<CaptureLag>;
  /** Stops and closes the source's connections. */
  close(): Promise<void>;
}
