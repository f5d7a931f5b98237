import { CaptureSetupError } from '../../errors';
import type { CapturedColumns } from '../change-source';
import type { SqlClient } from './sql-client';

/**
 * SQLite's record of committed changes: one `AFTER INSERT`, `AFTER UPDATE` and `AFTER DELETE` trigger per captured
 * table (SQLite docs: CREATE TRIGGER) writes the row's old and new key columns, as JSON objects, into the change
 * table, in the writing statement's own transaction. Triggers fire for every connection's writes, plain SQL included,
 * and for rows changed by foreign-key actions (`ON DELETE CASCADE`), so the change table sees what the database does.
 */

/** The change table written by the triggers (the default name and columns of {@link sqliteCaptureSql}). */
export const DEFAULT_CHANGE_TABLE = 'CacheChange';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** The name of one of the triggers of `table`. */
export function triggerName(table: string, event: 'insert' | 'update' | 'delete'): string {
  return `cachedrepo_capture_${table}_${event}`;
}

/** `CREATE TABLE` of the change table: what Prisma writes for `model CacheChange` (see REDIS_CACHE.md). */
function changeTableSql(changeTable: string): string {
  return [
    `CREATE TABLE IF NOT EXISTS ${quote(changeTable)} (`,
    '    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,',
    '    "tableName" TEXT NOT NULL,',
    '    "oldRow" TEXT,',
    '    "newRow" TEXT,',
    '    "changedAt" BIGINT NOT NULL',
    ');',
  ].join('\n');
}

/** The `CREATE TRIGGER` statement of one event of one table, exactly as {@link sqliteCaptureSql} writes it. */
export function triggerSql(
  changeTable: string,
  table: string,
  columns: readonly string[],
  event: 'insert' | 'update' | 'delete',
): string {
  const image = (row: 'OLD' | 'NEW'): string =>
    `json_object(${columns.map((column) => `${literal(column)}, ${row}.${quote(column)}`).join(', ')})`;
  const oldRow = event === 'insert' ? 'NULL' : image('OLD');
  const newRow = event === 'delete' ? 'NULL' : image('NEW');
  // Milliseconds since the epoch (julianday counts days since noon, 24 November 4714 BC).
  const now = `CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)`;
  return (
    `CREATE TRIGGER ${quote(triggerName(table, event))} AFTER ${event.toUpperCase()} ON ${quote(table)} ` +
    `FOR EACH ROW BEGIN INSERT INTO ${quote(changeTable)} ("tableName", "oldRow", "newRow", "changedAt") ` +
    `VALUES (${literal(table)}, ${oldRow}, ${newRow}, ${now}); END`
  );
}

const EVENTS = ['insert', 'update', 'delete'] as const;

/**
 * The SQL that installs capture of `tables` on SQLite, for a migration: the change table (if missing) and, for each
 * table, its three triggers (dropped first, so that running it again after a declaration changed replaces them).
 * @param tables each captured table with the columns its strategies read (`ChangeCapture.columns`, or
 *   {@link capturedColumns} of the strategies)
 * @throws {CaptureSetupError} (`table`) for a table or column name that is not a plain identifier
 */
export function sqliteCaptureSql(tables: CapturedColumns, changeTable = DEFAULT_CHANGE_TABLE): string {
  for (const name of [changeTable, ...tables.keys(), ...[...tables.values()].flat()])
    if (!IDENTIFIER.test(name))
      throw new CaptureSetupError('table', `capture on SQLite needs plain identifiers, got ${JSON.stringify(name)}`);
  const statements = [changeTableSql(changeTable)];
  for (const [table, columns] of tables) {
    for (const event of EVENTS) {
      statements.push(`DROP TRIGGER IF EXISTS ${quote(triggerName(table, event))};`);
      statements.push(`${triggerSql(changeTable, table, columns, event)};`);
    }
  }
  return `${statements.join('\n')}\n`;
}

/**
 * Checks that the change table and every trigger exist and are those the declaration gives (a trigger written for
 * other columns would record rows whose keys cannot be computed).
 * @throws {CaptureSetupError} `triggers`, saying which is missing or different and how to install them
 */
export async function checkSqliteCapture(sql: SqlClient, tables: CapturedColumns, changeTable: string): Promise<void> {
  const rows = await sql.query(`SELECT type, name, sql FROM sqlite_master WHERE type IN ('table', 'trigger')`);
  const found = new Map(rows.map((row) => [`${String(row.type)}:${String(row.name)}`, String(row.sql ?? '')]));
  const fix = 'install them with the SQL of sqliteCaptureSql() (as a migration)';
  if (!found.has(`table:${changeTable}`))
    throw new CaptureSetupError('triggers', `the change table ${changeTable} does not exist: ${fix}`);
  for (const [table, columns] of tables) {
    if (!found.has(`table:${table}`)) throw new CaptureSetupError('table', `captured table ${table} does not exist`);
    for (const event of EVENTS) {
      const installed = found.get(`trigger:${triggerName(table, event)}`);
      if (installed === undefined)
        throw new CaptureSetupError('triggers', `the ${event} trigger of ${table} is missing: ${fix}`);
      if (normalize(installed) !== normalize(triggerSql(changeTable, table, columns, event)))
        throw new CaptureSetupError(
          'triggers',
          `the ${event} trigger of ${table} records other columns than [${columns.join(', ')}]: ${fix}`,
        );
    }
  }
}

function normalize(statement: string): string {
  return statement.replace(/\s+/g, ' ').replace(/;\s*$/, '').trim();
}
