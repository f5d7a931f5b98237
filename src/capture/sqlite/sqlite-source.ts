import { DEFAULTS } from '../../defaults';
import type { RowImage } from '../../repository/captured-table';
import type { ApplyBatch, CaptureLag, CapturedColumns, ChangeSource, RowChange } from '../change-source';
import type { SqlClient } from './sql-client';
import { checkSqliteCapture, DEFAULT_CHANGE_TABLE, sqliteCaptureSql } from './sqlite-triggers';

/** Options of a {@link SqliteChangeSource}. */
export interface SqliteChangeSourceOptions {
  /** The change table the triggers write. @default 'CacheChange' */
  changeTable?: string;
  /** Milliseconds between two reads of the change table when it was empty. @default 100 */
  pollIntervalMs?: number;
  /** Change rows read, applied and deleted at once. @default 1000 */
  batchSize?: number;
}

/**
 * Committed changes from SQLite's change table, filled by the triggers of {@link sqliteCaptureSql}: read in id order
 * (SQLite has one writer at a time, so ids become visible in commit order), and deleted only after the consumer
 * invalidated their keys. Rows wait in the table while no consumer runs, so a restart resumes where the last one
 * stopped.
 */
export class SqliteChangeSource implements ChangeSource {
  readonly kind = 'sqlite' as const;
  readonly name: string;
  private readonly pollIntervalMs: number;
  private readonly batchSize: number;
  private readonly table: string;
  private running = false;
  private wake: (() => void) | null = null;

  /** @param sql runs the source's statements on the application's database */
  constructor(
    private readonly sql: SqlClient,
    options: SqliteChangeSourceOptions = {},
  ) {
    this.name = options.changeTable ?? DEFAULT_CHANGE_TABLE;
    this.table = `"${this.name.replace(/"/g, '""')}"`;
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULTS.capturePollIntervalMs;
    this.batchSize = options.batchSize ?? DEFAULTS.captureBatchSize;
  }

  check(tables: CapturedColumns): Promise<void> {
    return checkSqliteCapture(this.sql, tables, this.name);
  }

  async consume(_tables: CapturedColumns, apply: ApplyBatch): Promise<void> {
    this.running = true;
    while (this.running) {
      const rows = await this.sql.query(
        `SELECT "id", "tableName", "oldRow", "newRow", "changedAt" FROM ${this.table} ORDER BY "id" LIMIT ?`,
        [this.batchSize],
      );
      const last = rows[rows.length - 1];
      if (!last) {
        await this.pause();
        continue;
      }
      const changes: RowChange[] = [];
      let clearAll: string | undefined;
      for (const row of rows) {
        const change = parseChange(row, Number(row.id));
        if (change) changes.push(change);
        else clearAll ??= `a ${this.name} row cannot be read (id ${String(row.id)})`;
      }
      if (!(await apply({ changes, clearAll, committedAt: Number(last.changedAt) }))) return;
      await this.sql.execute(`DELETE FROM ${this.table} WHERE "id" <= ?`, [last.id]);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
  }

  async lag(): Promise<CaptureLag> {
    const [row] = await this.sql.query(`SELECT COUNT(*) AS "changes", MIN("changedAt") AS "oldest" FROM ${this.table}`);
    const changes = Number(row?.changes ?? 0);
    const oldest = row?.oldest === null || row?.oldest === undefined ? null : Number(row.oldest);
    return { bytes: null, changes, seconds: oldest === null ? 0 : Math.max(0, (Date.now() - oldest) / 1000) };
  }

  async close(): Promise<void> {
    await this.stop();
  }

  /** Waits one poll interval, or until {@link stop} (the timer never keeps the process alive). */
  private pause(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, this.pollIntervalMs);
      timer.unref();
      this.wake = done;
    });
  }
}

/**
 * Installs capture of `tables` (the change table and the triggers of {@link sqliteCaptureSql}) one statement at a
 * time, for clients that run one statement per call (Prisma's raw SQL over better-sqlite3).
 */
export async function installSqliteCapture(
  sql: SqlClient,
  tables: CapturedColumns,
  changeTable = DEFAULT_CHANGE_TABLE,
): Promise<void> {
  // Statements end a line with `;`; a trigger's own `;` are followed by a space.
  for (const statement of sqliteCaptureSql(tables, changeTable).split(/;\n/)) {
    if (statement.trim() !== '') await sql.execute(statement);
  }
}

function parseChange(row: Record<string, unknown>, id: number): RowChange | null {
  try {
    const before = image(row.oldRow);
    const after = image(row.newRow);
    if (typeof row.tableName !== 'string' || (before === null && after === null)) return null;
    return { table: row.tableName, before, after, position: Number.isSafeInteger(id) ? id : undefined };
  } catch {
    return null;
  }
}

function image(text: unknown): RowImage | null {
  if (text === null || text === undefined) return null;
  const value: unknown = JSON.parse(String(text));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a row image');
  return value as RowImage;
}
