import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { PrismaClient } from '../../../generated/prisma/client';
import { runProjectScript } from './prisma-cli';
import { createPostgresClient, isPostgresUrl } from './postgres';
import { migratePostgres } from './postgres-migrate';
import { SqliteAdapterFactory } from './sqlite-adapter';

export { projectRoot } from './prisma-cli';
export { isPostgresUrl, postgresTarget, type PostgresTarget } from './postgres';
export { SqliteAdapterFactory, DEFAULT_SQLITE_BUSY_TIMEOUT_MS, type SqliteAdapterOptions } from './sqlite-adapter';

/** The databases DATABASE_URL can select. */
export type DatabaseProvider = 'sqlite' | 'postgresql';

/**
 * Which database a URL selects: `postgres://` or `postgresql://` is PostgreSQL, `file:` SQLite.
 * @throws {Error} for any other URL.
 */
export function databaseProvider(url: string): DatabaseProvider {
  if (isPostgresUrl(url)) return 'postgresql';
  if (/^file:/.test(url.trim())) return 'sqlite';
  throw new Error(
    `DATABASE_URL must be a SQLite file: URL or a postgresql:// URL, got a URL starting with ` +
      `${JSON.stringify(url.trim().slice(0, 12))}`,
  );
}

/**
 * The absolute path of the SQLite file a `file:` URL names. A relative path is resolved against
 * the working directory, as better-sqlite3 does.
 * @throws {Error} for anything but a `file:` URL to a file (`:memory:` included).
 */
export function databaseFilePath(url: string): string {
  const match = /^file:(.+)$/.exec(url.trim());
  const file = match?.[1];
  if (!file || file === ':memory:' || file.includes('?')) {
    throw new Error(`DATABASE_URL must be a SQLite file URL such as file:./data/dev.db, got ${JSON.stringify(url)}`);
  }
  return path.resolve(file.replace(/^\/\/(?=\/)/, ''));
}

/**
 * A Prisma client for `databaseUrl`, through a driver adapter (no query engine binary). Connects
 * on first use.
 * - `file:` SQLite over better-sqlite3, in WAL mode with a 10 s busy timeout and transactions that
 *   take the write lock up front (see {@link SqliteAdapterFactory}).
 * - `postgresql://` PostgreSQL over `pg` (`@prisma/adapter-pg`), with the client generated from the
 *   PostgreSQL variant of the schema; `?schema=name` selects a schema (default `public`).
 * @throws {Error} for any other URL.
 */
export function createPrismaClient(databaseUrl: string): PrismaClient {
  if (databaseProvider(databaseUrl) === 'postgresql') return createPostgresClient(databaseUrl);
  return new PrismaClient({ adapter: new SqliteAdapterFactory(databaseFilePath(databaseUrl)) });
}

/** Options of {@link migrateDatabase}. */
export interface MigrateOptions {
  /**
   * Starts from an empty database: deletes the SQLite file, or drops the PostgreSQL schema the URL
   * names with `?schema=` (refused for `public`). @default false
   */
  reset?: boolean;
  /** PostgreSQL only: applies a derived migration that drops tables or columns. @default false */
  acceptDataLoss?: boolean;
}

/**
 * Brings the database at `databaseUrl` to the current prisma/schema.prisma, creating it when
 * missing. SQLite: `prisma migrate deploy` of the committed migrations (prisma/migrations), then
 * WAL mode. PostgreSQL: the SQL `prisma migrate diff` derives from schema.prisma, applied in one
 * transaction (see postgres-migrate.ts for how and why).
 * @throws {Error} naming the database (never a password) and carrying the CLI's or the server's
 *   words when the migration fails.
 */
export async function migrateDatabase(databaseUrl: string, options: MigrateOptions = {}): Promise<void> {
  if (databaseProvider(databaseUrl) === 'postgresql') {
    await migratePostgres(databaseUrl, options);
    return;
  }
  const file = databaseFilePath(databaseUrl);
  if (options.reset) for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${file}${suffix}`, { force: true });
  mkdirSync(path.dirname(file), { recursive: true });
  await openOrExplain(file, databaseUrl);
  const env = { DATABASE_URL: `file:${file}` };
  await runProjectScript(
    path.join('scripts', 'prisma.cjs'),
    ['migrate', 'deploy'],
    env,
    `prisma migrate deploy on ${databaseUrl}`,
  );
  // Fold the WAL into the file, so that a copy of the file alone (the tests' template) is complete.
  const connection = await new SqliteAdapterFactory(file).connect();
  try {
    await connection.executeScript('PRAGMA wal_checkpoint(TRUNCATE);');
  } finally {
    await connection.dispose();
  }
}

/**
 * Opens (creating if needed) the file once, so that an unusable path fails with SQLite's own
 * words; the connection switches the file to WAL mode, which is persistent.
 */
async function openOrExplain(file: string, databaseUrl: string): Promise<void> {
  try {
    const connection = await new SqliteAdapterFactory(file).connect();
    await connection.dispose();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot open the SQLite database ${databaseUrl} (${file}): ${reason}`, { cause: error });
  }
}
