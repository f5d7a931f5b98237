import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient } from '../../../generated/prisma/client';

/** Longest a `prisma migrate deploy` may take before it is killed. */
const MIGRATE_TIMEOUT_MS = 120_000;
/** CLI chatter that says nothing about a failure. */
const NOISE = /^(Loaded Prisma config from|Prisma config detected, skipping)/;

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

/** A Prisma client over better-sqlite3 (driver adapter: no query engine binary). Connects on first use. */
export function createPrismaClient(databaseUrl: string): PrismaClient {
  const adapter = new PrismaBetterSQLite3({ url: `file:${databaseFilePath(databaseUrl)}` });
  return new PrismaClient({ adapter });
}

/** The directory holding package.json, prisma/ and scripts/ (found from this file, not from the cwd). */
export function projectRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'scripts', 'prisma.cjs')) && existsSync(path.join(dir, 'prisma', 'schema.prisma'))) {
      return dir;
    }
    if (path.dirname(dir) === dir) throw new Error(`Cannot find the project root (scripts/prisma.cjs) above ${__dirname}`);
  }
}

/**
 * Applies the committed migrations (prisma/migrations) to the SQLite database at `databaseUrl`
 * with `prisma migrate deploy`, creating the file and its directory when missing.
 * @throws {Error} naming the database and carrying the CLI's output when the migration fails.
 */
export async function migrateDatabase(databaseUrl: string): Promise<void> {
  const file = databaseFilePath(databaseUrl);
  mkdirSync(path.dirname(file), { recursive: true });
  await openOrExplain(file, databaseUrl);
  const root = projectRoot();
  const env = { ...process.env, DATABASE_URL: `file:${file}` };
  await new Promise<void>((resolve, reject) => {
    execFile(
      process.execPath,
      [path.join(root, 'scripts', 'prisma.cjs'), 'migrate', 'deploy'],
      { cwd: root, env, timeout: MIGRATE_TIMEOUT_MS, maxBuffer: 10 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) return resolve();
        const output = [stderr, stdout]
          .map((text) => text.split('\n').filter((line) => line.trim() && !NOISE.test(line)).join('\n'))
          .find(Boolean);
        const how = error.killed ? `was killed after ${MIGRATE_TIMEOUT_MS} ms` : `failed (exit code ${String(error.code)})`;
        reject(new Error(`prisma migrate deploy on ${databaseUrl} ${how}:\n${output || error.message}`, { cause: error }));
      },
    );
  });
}

/** Opens (creating if needed) the file once, so that an unusable path fails with SQLite's own words. */
async function openOrExplain(file: string, databaseUrl: string): Promise<void> {
  try {
    const connection = await new PrismaBetterSQLite3({ url: `file:${file}` }).connect();
    await connection.dispose();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot open the SQLite database ${databaseUrl} (${file}): ${reason}`, { cause: error });
  }
}
