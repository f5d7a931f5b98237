import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  capturedColumns,
  installSqliteCapture,
  PostgresChangeSource,
  postgresCaptureSql,
  prismaSqlClient,
  SqliteChangeSource,
  type AnyCacheStrategy,
  type ChangeSource,
} from 'cachedrepo/capture';
import type { PrismaClient } from '../../generated/prisma/client';
import { createPrismaClient, migrateDatabase } from '../../example';
import {
  findPostgresBinDir,
  LOGICAL_DECODING_SETTINGS,
  startPostgresServer,
} from '../../tests/example/integration/databases/support/postgres-server';

/**
 * The databases of the `capture` suite: for one database engine, two copies of the example's schema, one prepared for
 * change capture (REDIS_CACHE.md section 16) and one not, each with its own Prisma client, plus a writer on a
 * connection of its own for raw SQL. Neither syncs to disk (SQLite: WAL with `synchronous = OFF` on every connection;
 * PostgreSQL: `fsync = off`), so that write latency measures the code rather than the disk, as `miss-and-update` does.
 */
export interface CaptureBenchDatabases {
  kind: 'sqlite' | 'postgresql';
  /** How the tables name it, e.g. `SQLite (WAL, synchronous OFF)`. */
  label: string;
  /** The database prepared for capture (triggers, or REPLICA IDENTITY FULL and the publication). */
  captured: PrismaClient;
  /** The same schema without capture: Prisma's own update and the outbox run here. */
  plain: PrismaClient;
  /** Runs one statement (`?` placeholders) on the captured database, on the writer's own connection. */
  write(sql: string, values?: unknown[]): Promise<void>;
  /**
   * Inserts `count` heroes with ids `{idPrefix}{n}` (n from 1) into the captured database, copies of the hero
   * `template` (its dates included, so that Prisma reads them), in one statement.
   */
  cloneHeroes(template: string, idPrefix: string, count: number): Promise<string[]>;
  /** A change source on a connection of its own, as an application process starts one. */
  source(): Promise<ChangeSource>;
  close(): Promise<void>;
}

const HERO_COPY = `"name", "language", "gender", "description", "createdAt", "updatedAt"`;

/** Two migrated SQLite files in a new temporary directory; capture's change table and triggers in one. */
export async function sqliteBenchDatabases(strategies: readonly AnyCacheStrategy[]): Promise<CaptureBenchDatabases> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-capture-'));
  const capturedUrl = `file:${join(dir, 'captured.db')}`;
  const plainUrl = `file:${join(dir, 'plain.db')}`;
  await Promise.all([migrateDatabase(capturedUrl), migrateDatabase(plainUrl)]);
  const clients: PrismaClient[] = [];
  const open = async (url: string): Promise<PrismaClient> => {
    const prisma = createPrismaClient(url);
    clients.push(prisma);
    await prisma.$queryRawUnsafe('PRAGMA synchronous = OFF');
    return prisma;
  };
  const [captured, plain, writer] = await Promise.all([open(capturedUrl), open(plainUrl), open(capturedUrl)]);
  await installSqliteCapture(prismaSqlClient(captured), capturedColumns(strategies));
  return {
    kind: 'sqlite',
    label: 'SQLite (WAL, synchronous OFF)',
    captured,
    plain,
    write: async (sql, values = []) => void (await writer.$executeRawUnsafe(sql, ...values)),
    cloneHeroes: async (template, idPrefix, count) => {
      await writer.$executeRawUnsafe(
        `WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ?) ` +
          `INSERT INTO "Hero" ("id", ${HERO_COPY}) SELECT ? || n, "name" || ' ' || n, "language", "gender", ` +
          `"description", "createdAt", "updatedAt" FROM g, "Hero" WHERE "Hero"."id" = ?`,
        count,
        idPrefix,
        template,
      );
      return Array.from({ length: count }, (_, index) => `${idPrefix}${index + 1}`);
    },
    // The consumer's own connection, like startChangeCapture's (polling never waits behind the application's writes).
    source: async () => new SqliteChangeSource(prismaSqlClient(await open(capturedUrl))),
    close: async () => {
      await Promise.all(clients.map((client) => client.$disconnect()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A throwaway PostgreSQL with logical decoding (as the capture tests start it: `wal_level = logical`,
 * `synchronous_commit = on`, `fsync = off`) holding two migrated databases, capture's setup SQL run in one.
 * @returns null with the reason when PostgreSQL's binaries are not installed
 */
export async function postgresBenchDatabases(
  strategies: readonly AnyCacheStrategy[],
): Promise<CaptureBenchDatabases | { skipped: string }> {
  try {
    findPostgresBinDir();
  } catch (error) {
    return { skipped: error instanceof Error ? error.message : String(error) };
  }
  const server = await startPostgresServer({ settings: [...LOGICAL_DECODING_SETTINGS, 'synchronous_commit=on'] });
  const clients: PrismaClient[] = [];
  const writer = new Client({ connectionString: server.url('captured') });
  try {
    const admin = new Client({ connectionString: server.url('postgres') });
    await admin.connect();
    await admin.query('CREATE DATABASE captured');
    await admin.query('CREATE DATABASE plain');
    await admin.end();
    await migrateDatabase(server.url('captured'));
    await migrateDatabase(server.url('plain'));
    await writer.connect();
    await writer.query(postgresCaptureSql(capturedColumns(strategies)));
    const captured = createPrismaClient(server.url('captured'));
    const plain = createPrismaClient(server.url('plain'));
    clients.push(captured, plain);
    const write = async (sql: string, values: unknown[] = []): Promise<void> => {
      let placeholder = 0;
      await writer.query(
        sql.replace(/\?/g, () => `$${(placeholder += 1)}`),
        values,
      );
    };
    return {
      kind: 'postgresql',
      label: 'PostgreSQL 15 (loopback, fsync off, synchronous_commit on)',
      captured,
      plain,
      write,
      cloneHeroes: async (template, idPrefix, count) => {
        await writer.query(
          `INSERT INTO "Hero" ("id", ${HERO_COPY}) SELECT $1 || g, "name" || ' ' || g, "language", "gender", ` +
            `"description", "createdAt", "updatedAt" FROM generate_series(1, $2::int) g, "Hero" WHERE "Hero"."id" = $3`,
          [idPrefix, count, template],
        );
        return Array.from({ length: count }, (_, index) => `${idPrefix}${index + 1}`);
      },
      source: async () => new PostgresChangeSource({ connection: server.url('captured'), slot: 'bench_capture' }),
      close: async () => {
        await Promise.all(clients.map((client) => client.$disconnect()));
        await writer.end();
        await server.stop();
      },
    };
  } catch (error) {
    await Promise.all(clients.map((client) => client.$disconnect()));
    await writer.end().catch(() => undefined);
    await server.stop();
    throw error;
  }
}
