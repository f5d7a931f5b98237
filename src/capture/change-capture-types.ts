import type { CacheLogger } from '../observability/cache-logger';
import type { AnyCacheStrategy } from './row-keys';
import type { CaptureLag } from './change-source';

/** Options of a `ChangeCapture`. */
export interface ChangeCaptureOptions {
  /** The strategies whose `capture` tables are read; the others are ignored. */
  strategies: readonly AnyCacheStrategy[];
  /** Milliseconds between two lease renewals (and, for SQLite, two reads of the change table). @default 100 */
  pollIntervalMs?: number;
  /**
   * Milliseconds the consumer lease lasts: another process takes over this long after it is no longer renewed.
   * @default 1000
   */
  leaseMs?: number;
  /** Milliseconds before reading again after the source failed (a database error, a setup mistake). @default 1000 */
  retryDelayMs?: number;
  /** Milliseconds to wait for the prefix to be cleared when the source lost changes. @default 30000 */
  clearTimeoutMs?: number;
  /** Milliseconds between two measurements of the lag by the consumer (see {@link CaptureHealth.lag}). @default 5000 */
  lagIntervalMs?: number;
  /**
   * Milliseconds after a change's commit during which the consumer waits for its writer's receipt before invalidating
   * its keys (`write-receipt.ts`): a consumer that reads a change before its writer's own UNLINK placed the receipt
   * unlinks the keys again, evicting what readers refill between the two. Only changes younger than this wait, by
   * the rest of it; 0 never waits. On PostgreSQL only the transactions whose writer announced a receipt wait (its
   * statement writes a logical decoding message, `RECEIPT_MESSAGE_PREFIX`): the others are invalidated at once. On
   * SQLite every change read this young waits, which delays by as much the invalidation of writes made outside the
   * cached repositories (the change table is polled: `SqliteChangeSourceOptions.pollIntervalMs`). @default 20
   */
  receiptWaitMs?: number;
  /** Keys sent per invalidation (one UNLINK each). @default 5000 */
  keysPerInvalidation?: number;
  /** Where failures are reported. @default pino at LOG_LEVEL, else JSON lines on stderr */
  logger?: CacheLogger;
  /**
   * While the consumer is started, writes through the cache service's cached repositories of the entity types whose
   * strategies declare `capture` tables record no outbox row (`DurableWrites`): the change log, written by the
   * database in the write's transaction, is their outbox; and their updates may compare only the declared columns
   * (`KeyStateUpdateRepository`). Set false when this consumer reads another database than the one those repositories
   * write. @default true
   */
  replacesOutbox?: boolean;
}

/** What `ChangeCapture.health` reports. */
export interface CaptureHealth {
  source: 'postgresql' | 'sqlite';
  /** True while this process holds the consumer lease (one process at a time reads the source). */
  consumer: boolean;
  /** True while this process reads the source. */
  reading: boolean;
  /** Row changes applied (their keys invalidated) by this process since start. */
  changesApplied: number;
  /** Keys invalidated by this process since start. */
  keysInvalidated: number;
  /**
   * Keys left alone by this process since start, because the write's own invalidation came after every change of them
   * the batch held (its receipt: `write-receipt.ts`, REDIS_CACHE.md section 5).
   */
  keysSkipped: number;
  /** Batches whose invalidation failed (Redis unavailable): read again later, never skipped. */
  failedBatches: number;
  /** Times this process cleared the prefix because the source could not say which rows changed. */
  prefixClears: number;
  /** Source failures since start (database errors, setup mistakes), each logged. */
  errors: number;
  /**
   * The last failure: its code (a library error's, e.g. `E_CAPTURE_SETUP` with its `reason`, or the database's
   * SQLSTATE), message, and when (ms since the epoch).
   */
  lastError: { code: string | null; reason: string | null; message: string; at: number } | null;
  /**
   * The lag the consumer measured last (every `lagIntervalMs`): on PostgreSQL the slot's retained WAL in bytes, its
   * `wal_status`, and the seconds since the oldest unconfirmed commit; on SQLite the waiting changes and the seconds
   * since the oldest was written. Null in a process that is not the consumer (ask `ChangeCapture.lag` there).
   */
  lag: (CaptureLag & { measuredAt: number }) | null;
}
