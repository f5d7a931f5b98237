import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SqlClient } from 'cachedrepo/capture';

/** The slice of better-sqlite3 the tests use (the package ships no types here). */
export interface SqliteDatabase {
  exec(sql: string): void;
  prepare(sql: string): {
    all(...parameters: unknown[]): Record<string, unknown>[];
    run(...parameters: unknown[]): { changes: number };
  };
  pragma(pragma: string): unknown;
  close(): void;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const Database = require('better-sqlite3') as new (file: string, options?: { timeout?: number }) => SqliteDatabase;

/** A new SQLite file in WAL mode with a 10 s busy timeout, as the example opens its database. */
export function openSqlite(file: string): SqliteDatabase {
  const db = new Database(file, { timeout: 10_000 });
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  return db;
}

/** A path for a new database file in a new temporary directory. */
export function newSqliteFile(): string {
  return join(mkdtempSync(join(process.env.TEST_TMP_DIR ?? tmpdir(), 'capture-')), 'capture.db');
}

/** A {@link SqlClient} over a better-sqlite3 connection. */
export function sqliteClient(db: SqliteDatabase): SqlClient {
  return {
    query: async (sql, parameters = []) => db.prepare(sql).all(...parameters),
    execute: async (sql, parameters = []) => void db.prepare(sql).run(...parameters),
  };
}
