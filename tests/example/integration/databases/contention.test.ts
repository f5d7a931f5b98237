import { Gender, Language } from '../../../../example/domain';
import { PrismaHeroRepository } from '../../../../example/infrastructure/prisma/prisma-hero-repository';
import { createTestDatabase, testDatabaseProvider, type TestDatabase } from '../../support/database';
import { historyProblems, runContention } from './support/contention';

const WORKERS = 4;
const UPDATES_PER_WORKER = 120;
const ROWS = 3;

/**
 * Four processes read and update the same three heroes at once, through both read-then-write
 * paths (the interactive transaction that also writes an outbox row, and the batch). Every
 * write must complete (no "database is locked", no timeout), and every update's before-state
 * must be the row it replaced: the before/after pairs of each row form one history.
 */
describe(`four processes updating the same rows (${testDatabaseProvider()})`, () => {
  let db: TestDatabase;

  beforeAll(() => {
    db = createTestDatabase();
  });

  afterAll(() => db.close());

  it('complete every write, and each update replaced exactly the row it reports as its before-state', async () => {
    const heroes = new PrismaHeroRepository(db.prisma);
    const ids: string[] = [];
    for (let i = 0; i < ROWS; i += 1) {
      ids.push(
        (
          await heroes.save({
            name: `Contended ${i}`,
            language: Language.English,
            gender: Gender.Other,
            description: 'initial',
          })
        ).id,
      );
    }

    const reports = await runContention({
      databaseUrl: db.url,
      ids,
      workers: WORKERS,
      updates: UPDATES_PER_WORKER,
      timeoutMs: 180_000,
    });

    const failures = reports.map((report) => ({
      worker: report.worker,
      failed: report.failed,
      failedReads: report.failedReads,
      errors: report.errors,
    }));
    expect(failures.filter((entry) => entry.failed > 0 || entry.failedReads > 0)).toEqual([]);
    const transitions = reports.flatMap((report) => report.transitions);
    expect(transitions).toHaveLength(WORKERS * UPDATES_PER_WORKER);
    for (const id of ids) {
      const final = await heroes.findById(id);
      expect(
        historyProblems(
          'initial',
          final?.description ?? '',
          transitions.filter((transition) => transition.id === id),
        ),
      ).toEqual([]);
    }
    // Half the updates were recorded writes: each committed its outbox row with it.
    expect(await db.prisma.cacheOutbox.count()).toBe((WORKERS * UPDATES_PER_WORKER) / 2);
  }, 240_000);
});
