import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { capturedColumns, installSqliteCapture, postgresCaptureSql, prismaSqlClient } from 'cachedrepo/capture';
import type { PrismaClient } from '../../generated/prisma/client';
import {
  createPrismaClient,
  Gender,
  heroCacheStrategy,
  Language,
  migrateDatabase,
  PrismaHeroRepository,
} from '../../example';
import {
  findPostgresBinDir,
  LOGICAL_DECODING_SETTINGS,
  startPostgresServer,
} from '../../tests/example/integration/databases/support/postgres-server';
import { describeVersion, INITIAL_VERSION } from './ycsb-stale';

/** The database of one half of the YCSB suite, seeded with its records (heroes of the example app). */
export interface YcsbDatabase {
  kind: 'sqlite' | 'postgresql';
  /** How the tables name it. */
  label: string;
  /** For the worker processes. */
  url: string;
  /**
   * A copy of the same records (same ids) in a database of its own prepared for change capture (REDIS_CACHE.md
   * section 16: on SQLite the change table and its triggers, on PostgreSQL `REPLICA IDENTITY FULL` and the
   * publication), for the contender whose durable mode is capture: the other contenders' writes pay nothing for it.
   */
  capturedUrl: string;
  /** Hero ids of records 0..n-1 (record 0 the most popular). */
  ids: string[];
  /** Sets every record back to the initial version, in both databases, before each run. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

async function seed(prisma: PrismaClient, records: number): Promise<string[]> {
  const heroes = new PrismaHeroRepository(prisma);
  const ids: string[] = [];
  // In batches: SQLite has one writer, PostgreSQL a pool of ten connections.
  for (let from = 0; from < records; from += 50) {
    const batch = Array.from({ length: Math.min(50, records - from) }, (_, offset) =>
      heroes.save({
        name: `YCSB ${from + offset}`,
        language: Language.Greek,
        gender: Gender.Female,
        description: describeVersion(INITIAL_VERSION),
      }),
    );
    for (const hero of await Promise.all(batch)) ids.push(hero.id);
  }
  return ids;
}

const resetTo =
  (...clients: PrismaClient[]) =>
  async (): Promise<void> => {
    for (const prisma of clients)
      await prisma.hero.updateMany({ data: { description: describeVersion(INITIAL_VERSION) } });
  };

/** Copies every hero of `from` into `to` (same ids, same dates). */
async function copyHeroes(from: PrismaClient, to: PrismaClient): Promise<void> {
  await to.hero.createMany({ data: await from.hero.findMany() });
}

/** The capture consumer's replication slot on PostgreSQL. */
export const YCSB_CAPTURE_SLOT = 'ycsb_capture';

/** The tables the capture contender's strategy declares (the hero's). */
const capturedTables = () => capturedColumns([heroCacheStrategy()]);

/**
 * A migrated SQLite file in a new temporary directory (WAL, as the example migrates it; every connection of the suite
 * sets `synchronous = OFF`, so that commits measure the code rather than the disk, as the other suites do).
 */
export async function sqliteYcsbDatabase(records: number): Promise<YcsbDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ycsb-'));
  const url = `file:${join(dir, 'ycsb.db')}`;
  const capturedUrl = `file:${join(dir, 'ycsb-captured.db')}`;
  await Promise.all([migrateDatabase(url), migrateDatabase(capturedUrl)]);
  const prisma = createPrismaClient(url);
  const captured = createPrismaClient(capturedUrl);
  for (const client of [prisma, captured]) await client.$queryRawUnsafe('PRAGMA synchronous = OFF');
  const ids = await seed(prisma, records);
  await copyHeroes(prisma, captured);
  await installSqliteCapture(prismaSqlClient(captured), capturedTables());
  return {
    kind: 'sqlite',
    label: 'SQLite (WAL, synchronous OFF)',
    url,
    capturedUrl,
    ids,
    reset: resetTo(prisma, captured),
    close: async () => {
      await Promise.all([prisma.$disconnect(), captured.$disconnect()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Moves the capture slot to the end of the WAL, between runs. While the capture contender does not run, the slot keeps
 * the WAL of every other contender's writes (of the other database, which its consumer skips), and its next consumer
 * would begin by having the server decode all of it on the same two cores: a backlog the harness makes, which a
 * consumer that runs all the time never has. Nothing it skips needs invalidating (Redis is flushed before each run).
 * A slot a stopping consumer still holds is left as it is.
 */
async function skipCaptureBacklog(capturedUrl: string): Promise<void> {
  const db = new Client({ connectionString: capturedUrl });
  await db.connect();
  try {
    await db.query(
      'SELECT pg_replication_slot_advance(slot_name, pg_current_wal_lsn()) FROM pg_replication_slots ' +
        'WHERE slot_name = $1 AND NOT active',
      [YCSB_CAPTURE_SLOT],
    );
  } finally {
    await db.end();
  }
}

/**
 * A throwaway PostgreSQL cluster (tests' startPostgresServer: loopback, fsync off) with one migrated database.
 * @returns `{ skipped }` with the reason when PostgreSQL is not installed
 */
export async function postgresYcsbDatabase(records: number): Promise<YcsbDatabase | { skipped: string }> {
  try {
    findPostgresBinDir();
  } catch (error) {
    return { skipped: error instanceof Error ? error.message : String(error) };
  }
  // Logical decoding for the capture contender's database (the capture tests' settings; fsync stays off).
  const server = await startPostgresServer({ settings: LOGICAL_DECODING_SETTINGS });
  const clients: PrismaClient[] = [];
  try {
    const admin = new Client({ connectionString: server.url('postgres') });
    await admin.connect();
    await admin.query('CREATE DATABASE ycsb');
    await admin.query('CREATE DATABASE ycsb_captured');
    await admin.end();
    const url = server.url('ycsb');
    const capturedUrl = server.url('ycsb_captured');
    await Promise.all([migrateDatabase(url), migrateDatabase(capturedUrl)]);
    const client = createPrismaClient(url);
    const captured = createPrismaClient(capturedUrl);
    clients.push(client, captured);
    const ids = await seed(client, records);
    await copyHeroes(client, captured);
    const setup = new Client({ connectionString: capturedUrl });
    await setup.connect();
    await setup.query(postgresCaptureSql(capturedTables()));
    // Created with the setup, as an application's migration would: a consumer that finds no slot must assume it
    // missed changes and clears the cache's prefix (REDIS_CACHE.md section 16), which is not what a run measures.
    await setup.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [YCSB_CAPTURE_SLOT]);
    await setup.end();
    return {
      kind: 'postgresql',
      label: 'PostgreSQL (loopback, fsync off)',
      url,
      capturedUrl,
      ids,
      reset: async () => {
        await resetTo(client, captured)();
        await skipCaptureBacklog(capturedUrl);
      },
      close: async () => {
        await Promise.all(clients.map((prisma) => prisma.$disconnect()));
        await server.stop();
      },
    };
  } catch (error) {
    await Promise.all(clients.map((prisma) => prisma.$disconnect()));
    await server.stop();
    throw error;
  }
}
