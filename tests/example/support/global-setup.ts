import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateDatabase } from '../../../example/infrastructure/prisma/database';

/**
 * Migrates one template SQLite database with the committed migrations (prisma migrate deploy); each test file copies
 * it.
 */
export default async function globalSetup(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cache-tests-'));
  const template = join(dir, 'template.db');
  await migrateDatabase(`file:${template}`);
  process.env.TEST_TEMPLATE_DB = template;
  process.env.TEST_TMP_DIR = dir;
}
