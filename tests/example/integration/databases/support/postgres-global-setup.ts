import { join } from 'node:path';
import { Client } from 'pg';
import { migrateDatabase } from '../../../../../example/infrastructure/prisma/database';
import { startPostgresServer, type PostgresServerHandle } from './postgres-server';

/** The template every test file of the PostgreSQL pass copies (`CREATE DATABASE ... TEMPLATE`). */
const TEMPLATE = 'cachedrepo_template';

/**
 * globalSetup of jest's `postgresql` project: starts a throwaway PostgreSQL cluster (removed by
 * postgres-global-teardown.ts), migrates the template database once, and tells the test files
 * where it is (TEST_POSTGRES_*; read by tests/example/support/database.ts).
 */
export default async function postgresGlobalSetup(): Promise<void> {
  const server = await startPostgresServer();
  (globalThis as { __POSTGRES_SERVER__?: PostgresServerHandle }).__POSTGRES_SERVER__ = server;
  try {
    const admin = new Client({ connectionString: server.url('postgres') });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE "${TEMPLATE}"`);
    } finally {
      await admin.end();
    }
    await migrateDatabase(server.url(TEMPLATE));
  } catch (error) {
    await server.stop();
    throw error;
  }
  process.env.TEST_POSTGRES_PORT = String(server.port);
  process.env.TEST_POSTGRES_TEMPLATE = TEMPLATE;
  process.env.TEST_POSTGRES_PSQL = join(server.binDir, 'psql');
}
