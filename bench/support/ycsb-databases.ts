import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { PrismaClient } from '../../generated/prisma/client';
import { createPrismaClient, Gender, Language, migrateDatabase, PrismaHeroRepository } from '../../example';
import {
  findPostgresBinDir,
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
  /** Hero ids of records 0..n-1 (record 0 the most popular). */
  ids: string[];
  /** Sets every record back to the initial version, before each run. */
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

const resetTo = (prisma: PrismaClient) => async (): Promise<void> => {
  await prisma.hero.updateMany({ data: { description: describeVersion(INITIAL_VERSION) } });
};

/**
 * A migrated SQLite file in a new temporary directory (WAL, as the example migrates it; every connection of the suite
 * sets `synchronous = OFF`, so that commits measure the code rather than the disk, as the other suites do).
 */
export async function sqliteYcsbDatabase(records: number): Promise<YcsbDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ycsb-'));
  const url = `file:${join(dir, 'ycsb.db')}`;
  await migrateDatabase(url);
  const prisma = createPrismaClient(url);
  await prisma.$queryRawUnsafe('PRAGMA synchronous = OFF');
  const ids = await seed(prisma, records);
  return {
    kind: 'sqlite',
    label: 'SQLite (WAL, synchronous OFF)',
    url,
    ids,
    reset: resetTo(prisma),
    close: async () => {
      await prisma.$disconnect();
      rmSync(dir, { recursive: true, force: true });
    },
  };
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
  const server = await startPostgresServer();
  let prisma: PrismaClient | null = null;
  try {
    const admin = new Client({ connectionString: server.url('postgres') });
    await admin.connect();
    await admin.query('CREATE DATABASE ycsb');
    await admin.end();
    const url = server.url('ycsb');
    await migrateDatabase(url);
    const client = createPrismaClient(url);
    prisma = client;
    const ids = await seed(client, records);
    return {
      kind: 'postgresql',
      label: 'PostgreSQL (loopback, fsync off)',
      url,
      ids,
      reset: resetTo(client),
      close: async () => {
        await client.$disconnect();
        await server.stop();
      },
    };
  } catch (error) {
    await prisma?.$disconnect();
    await server.stop();
    throw error;
  }
}
