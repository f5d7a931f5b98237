import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { PrismaClient } from '../../../generated/prisma/client';
import { createPrismaClient } from '../../../example/infrastructure/prisma/database';

/** The database of the test pass: jest.config.js sets `TEST_DATABASE_PROVIDER` in each project's `globals`. */
export type TestDatabaseProvider = 'sqlite' | 'postgresql';

/** A fresh, migrated database for one test file: a copy of the pass's template. */
export interface TestDatabase {
  provider: TestDatabaseProvider;
  url: string;
  prisma: PrismaClient;
  /** Disconnects; on PostgreSQL also drops the database. */
  close(): Promise<void>;
}

/** Which pass this test file runs in (SQLite unless jest's PostgreSQL project says otherwise). */
export function testDatabaseProvider(): TestDatabaseProvider {
  return (globalThis as { TEST_DATABASE_PROVIDER?: unknown }).TEST_DATABASE_PROVIDER === 'postgresql'
    ? 'postgresql'
    : 'sqlite';
}

let created = 0;

/**
 * A copy of the migrated template of this pass (prepared by the pass's jest globalSetup):
 * SQLite copies the template file; PostgreSQL runs `CREATE DATABASE ... TEMPLATE` (through psql,
 * synchronously, so that callers keep one shape on both databases).
 * @throws {Error} when not run through jest (the template is missing).
 */
export function createTestDatabase(): TestDatabase {
  return testDatabaseProvider() === 'postgresql' ? createPostgresTestDatabase() : createSqliteTestDatabase();
}

function createSqliteTestDatabase(): TestDatabase {
  const template = process.env.TEST_TEMPLATE_DB;
  if (!template)
    throw new Error('TEST_TEMPLATE_DB is not set: run the tests through jest (globalSetup migrates the template)');
  const file = join(mkdtempSync(join(process.env.TEST_TMP_DIR ?? tmpdir(), 'db-')), 'test.db');
  copyFileSync(template, file);
  const url = `file:${file}`;
  const prisma = createPrismaClient(url);
  return { provider: 'sqlite', url, prisma, close: () => prisma.$disconnect() };
}

function createPostgresTestDatabase(): TestDatabase {
  const { TEST_POSTGRES_PSQL: psql, TEST_POSTGRES_PORT: port, TEST_POSTGRES_TEMPLATE: template } = process.env;
  if (!psql || !port || !template)
    throw new Error(
      "TEST_POSTGRES_* are not set: run the tests through jest (the postgresql project's " +
        'globalSetup starts the server)',
    );
  created += 1;
  const name = `test_${process.pid}_${created}_${Math.random().toString(36).slice(2, 8)}`;
  execFileSync(
    psql,
    [
      '-h',
      '127.0.0.1',
      '-p',
      port,
      '-U',
      'postgres',
      '-d',
      'postgres',
      '-v',
      'ON_ERROR_STOP=1',
      '-q',
      '-c',
      `CREATE DATABASE "${name}" TEMPLATE "${template}"`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const admin = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  const url = `postgresql://postgres@127.0.0.1:${port}/${name}`;
  const prisma = createPrismaClient(url);
  const close = async (): Promise<void> => {
    await prisma.$disconnect();
    const client = new Client({ connectionString: admin });
    await client.connect();
    try {
      // FORCE: a worker process a test killed may still hold a connection.
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await client.end();
    }
  };
  return { provider: 'postgresql', url, prisma, close };
}

/** Registers a fresh database for the tests of one file, closed after them; filled in `beforeAll`. */
export function useTestDatabase(): { db: TestDatabase } {
  const fixture = {} as { db: TestDatabase };
  beforeAll(() => {
    fixture.db = createTestDatabase();
  });
  afterAll(() => fixture.db?.close());
  return fixture;
}
