/**
 * cachedrepo/capture: change data capture. Every committed write to a captured table (through the cached
 * repositories or not: raw SQL, another service, a cascade, an older release) invalidates the keys it makes stale,
 * read from the database's own record of changes: PostgreSQL's logical replication (a pgoutput slot, through `pg` and
 * `pg-logical-replication`, optional peer dependencies loaded only by the PostgreSQL source), or SQLite triggers
 * writing a change table. Strategies declare their tables (`capture` in `defineCacheStrategy`). REDIS_CACHE.md,
 * section 16.
 *
 * Sources: PostgreSQL 15 documentation, "Logical Decoding" (https://www.postgresql.org/docs/15/logicaldecoding.html),
 * "Replication Slots" (https://www.postgresql.org/docs/15/warm-standby.html#STREAMING-REPLICATION-SLOTS),
 * `ALTER TABLE ... REPLICA IDENTITY` (https://www.postgresql.org/docs/15/sql-altertable.html),
 * `max_slot_wal_keep_size` (https://www.postgresql.org/docs/15/runtime-config-replication.html), "Logical Replication
 * Message Formats" (https://www.postgresql.org/docs/15/protocol-logicalrep-message-formats.html); SQLite, CREATE
 * TRIGGER (https://www.sqlite.org/lang_createtrigger.html) and foreign key actions
 * (https://www.sqlite.org/foreignkeys.html#fk_actions).
 */
export { ChangeCapture, type ChangeCaptureOptions, type CaptureHealth } from './change-capture';
export type { ApplyBatch, CaptureLag, CapturedColumns, ChangeBatch, ChangeSource, RowChange } from './change-source';
export { capturedColumns, RowKeys, type AnyCacheStrategy, type BatchKeys } from './row-keys';
export {
  PostgresChangeSource,
  type PostgresChangeSourceOptions,
  type PostgresConnection,
} from './postgres/postgres-source';
export { postgresCaptureSql, CAPTURE_MESSAGE_PREFIX } from './postgres/postgres-setup';
export { SqliteChangeSource, installSqliteCapture, type SqliteChangeSourceOptions } from './sqlite/sqlite-source';
export { sqliteCaptureSql, triggerName, DEFAULT_CHANGE_TABLE } from './sqlite/sqlite-triggers';
export { prismaSqlClient, type SqlClient, type PrismaRawClient } from './sqlite/sql-client';
export type { CapturedTable, RowImage } from '../repository/captured-table';
export type { KeyStateUpdateRepository } from '../repository/key-state-update';
export { RECEIPT_MESSAGE_PREFIX, type ChangeLogRef, type WriteReceipt } from '../repository/write-receipt';
export type { CaptureSetupProblem } from '../errors';
