import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PrismaClient } from '../../generated/prisma/client';
import { createPrismaClient } from '../../src/infrastructure/prisma/database';

/** A fresh, migrated SQLite database file for one test file. */
export interface TestDatabase {
  url: string;
  prisma: PrismaClient;
  close(): Promise<void>;
}

export function createTestDatabase(): TestDatabase {
  const template = process.env.TEST_TEMPLATE_DB;
  if (!template) throw new Error('TEST_TEMPLATE_DB is not set: run the tests through jest (globalSetup migrates the template)');
  const file = join(mkdtempSync(join(process.env.TEST_TMP_DIR ?? tmpdir(), 'db-')), 'test.db');
  copyFileSync(template, file);
  const url = `file:${file}`;
  const prisma = createPrismaClient(url);
  return { url, prisma, close: () => prisma.$disconnect() };
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
