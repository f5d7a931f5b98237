/**
 * One process of the multi-process write tests (contention.test.ts) and of bench/databases.ts:
 * reads and updates the same heroes as its siblings, through PrismaHeroRepository, and prints
 * one JSON line (a {@link ContentionReport}) when done. Run with
 * `node --require tsx/cjs contention-worker.ts`; configured by environment variables:
 * - DATABASE_URL: the shared database;
 * - CONTENTION_IDS: comma-separated hero ids to update;
 * - CONTENTION_UPDATES: updates to make (an update that fails counts and is not retried);
 * - CONTENTION_DURATION_MS: or, instead, update until this many milliseconds have passed;
 * - CONTENTION_WORKER: this worker's name, written into every description it sets;
 * - CONTENTION_ADAPTER: `app` (createPrismaClient: WAL, busy timeout, BEGIN IMMEDIATE) or `stock`
 *   (the stock better-sqlite3 adapter, as before: deferred BEGIN, 5 s busy timeout).
 */
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient } from '../../../../../generated/prisma/client';
import { Language, type Hero } from '../../../../../example/domain';
import { createPrismaClient, databaseFilePath } from '../../../../../example/infrastructure/prisma/database';
import { PrismaHeroRepository } from '../../../../../example/infrastructure/prisma/prisma-hero-repository';

/** What one worker did. */
export interface ContentionReport {
  worker: string;
  updates: number;
  failed: number;
  reads: number;
  failedReads: number;
  /** Error messages of failed operations, with their counts. */
  errors: Record<string, number>;
  /** Every successful update: the row it replaced and the row it wrote (id, description, language). */
  transitions: Array<{ id: string; before: string; after: string; beforeLanguage: string; afterLanguage: string }>;
}

const LANGUAGES = [Language.English, Language.German, Language.French, Language.Spanish];

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

async function main(): Promise<void> {
  const url = required('DATABASE_URL');
  const ids = required('CONTENTION_IDS').split(',');
  const worker = required('CONTENTION_WORKER');
  const updates = Number(process.env.CONTENTION_UPDATES ?? 0);
  const deadline = process.env.CONTENTION_DURATION_MS
    ? Date.now() + Number(process.env.CONTENTION_DURATION_MS)
    : Number.POSITIVE_INFINITY;
  const prisma =
    process.env.CONTENTION_ADAPTER === 'stock'
      ? new PrismaClient({ adapter: new PrismaBetterSQLite3({ url: `file:${databaseFilePath(url)}` }) })
      : createPrismaClient(url);
  const heroes = new PrismaHeroRepository(prisma);
  const report: ContentionReport = {
    worker,
    updates: 0,
    failed: 0,
    reads: 0,
    failedReads: 0,
    errors: {},
    transitions: [],
  };
  const fail = (error: unknown): void => {
    const message =
      (error instanceof Error ? error.message : String(error)).split('\n').filter(Boolean).slice(-1)[0] ?? 'unknown';
    report.errors[message] = (report.errors[message] ?? 0) + 1;
  };
  const affected = (before: Hero | null, after: Hero | null): string[] => [
    `hero:${String(before?.id ?? after?.id)}`,
    `hero:language:${String(before?.language)}`,
    `hero:language:${String(after?.language)}`,
  ];
  for (let i = 0; (updates === 0 || i < updates) && Date.now() < deadline; i += 1) {
    const id = ids[Math.floor(Math.random() * ids.length)] as string;
    try {
      report.reads += 1;
      await heroes.findById(ids[Math.floor(Math.random() * ids.length)] as string);
    } catch (error) {
      report.failedReads += 1;
      fail(error);
    }
    const changes = {
      description: `${worker}-${i}`,
      language: LANGUAGES[Math.floor(Math.random() * LANGUAGES.length)] as Language,
    };
    try {
      report.updates += 1;
      // Both read-then-write paths: the interactive transaction with its outbox row, and the batch.
      const { before, after } =
        i % 2 === 0
          ? await heroes.updateRecorded(id, changes, affected)
          : await heroes.updateReturningBeforeImage(id, changes);
      report.transitions.push({
        id,
        before: before.description ?? '',
        after: after.description ?? '',
        beforeLanguage: before.language,
        afterLanguage: after.language,
      });
    } catch (error) {
      report.failed += 1;
      fail(error);
    }
  }
  await prisma.$disconnect();
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
