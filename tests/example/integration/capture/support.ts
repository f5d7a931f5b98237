import { Client } from 'pg';
import type { PrismaClient } from '../../../../generated/prisma/client';
import {
  createPrismaClient,
  databaseFilePath,
  migrateDatabase,
} from '../../../../example/infrastructure/prisma/database';
import { runSql, startLogicalPostgres } from '../../../integration/capture/support/postgres';
import { openSqlite } from '../../../integration/capture/support/sqlite-file';
import { createTestDatabase, testDatabaseProvider, type TestDatabaseProvider } from '../../support/database';

/** The example's database for the capture tests of this pass. */
export interface CaptureDatabase {
  provider: TestDatabaseProvider;
  url: string;
  prisma: PrismaClient;
  /** Runs one statement (`?` placeholders) on a connection that is not the application's. */
  rawSql(sql: string, values?: unknown[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * SQLite: a copy of the pass's migrated template. PostgreSQL: the pass's server has no logical decoding, so a server of
 * its own (wal_level = logical), with the example's schema migrated into a new database.
 */
export async function captureDatabase(): Promise<CaptureDatabase> {
  if (testDatabaseProvider() === 'sqlite') {
    const db = createTestDatabase();
    const writer = openSqlite(databaseFilePath(db.url));
    return {
      ...db,
      rawSql: async (sql, values = []) => void writer.prepare(sql).run(...values),
      close: async () => {
        writer.close();
        await db.close();
      },
    };
  }
  const server = await startLogicalPostgres();
  try {
    await runSql(server.url('postgres'), 'CREATE DATABASE example_capture');
    const url = server.url('example_capture');
    await migrateDatabase(url);
    const prisma = createPrismaClient(url);
    return {
      provider: 'postgresql',
      url,
      prisma,
      rawSql: async (sql, values = []) => {
        const client = new Client({ connectionString: url });
        await client.connect();
        try {
          let placeholder = 0;
          await client.query(
            sql.replace(/\?/g, () => `$${(placeholder += 1)}`),
            values,
          );
        } finally {
          await client.end();
        }
      },
      close: async () => {
        await prisma.$disconnect();
        await server.stop();
      },
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
