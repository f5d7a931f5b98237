import { capturedColumns, installSqliteCapture, prismaSqlClient } from 'cachedrepo/capture';
import { precedes } from '../../../../src/repository/write-receipt';
import { Gender, Language } from '../../../../example/domain';
import { PrismaHeroRepository } from '../../../../example/infrastructure/prisma';
import { heroCacheStrategy } from '../../../../example/strategies';
import { testDatabaseProvider, useTestDatabase } from '../../support/database';
import { loggedClient, type LoggedClient } from './support/logged-client';

/**
 * `PrismaRepository.updateReturningKeyState` (src/prisma/keyed-update.ts), the update a cached repository sends while
 * change capture reads the entity's table: on SQLite one compare-and-set `UPDATE` of the declared columns, no
 * transaction, with a before-state exact in those columns and in every column it does not set; on PostgreSQL the exact
 * update (already one statement).
 */
describe(`keyed update (${testDatabaseProvider()})`, () => {
  const fixture = useTestDatabase();
  const sqlite = testDatabaseProvider() === 'sqlite';
  const keyTables = heroCacheStrategy().capture ?? [];
  let logged: LoggedClient;

  beforeAll(() => {
    logged = loggedClient(fixture.db);
  });

  afterAll(() => logged.prisma.$disconnect());

  const outside = (set: string, id: string) =>
    logged.prisma.$executeRawUnsafe(`UPDATE "Hero" SET ${set} WHERE "id" = ${sqlite ? '?' : '$1'}`, id);

  /** A hero this repository has read (so it remembers the row), after the probes ran on another hero. */
  const readHero = async (heroes: PrismaHeroRepository, description: string) => {
    const probed = await heroes.save({ name: 'Probe', language: Language.Greek, gender: Gender.Male, description });
    await heroes.updateReturningKeyState(probed.id, { description: 'probed' }, keyTables);
    const hero = await heroes.save({ name: 'Medea', language: Language.Greek, gender: Gender.Female, description });
    expect((await heroes.findById(hero.id))?.description).toBe(description);
    logged.statements.length = 0;
    return hero;
  };

  it('writes with one UPDATE when the row is as remembered, and returns the row it replaced', async () => {
    const heroes = new PrismaHeroRepository(logged.prisma);
    const hero = await readHero(heroes, 'k0');
    const change = await heroes.updateReturningKeyState(hero.id, { description: 'k1' }, keyTables);
    if (sqlite) expect(logged.statements).toEqual([expect.stringMatching(/^UPDATE "Hero" SET /)]);
    else expect(logged.statements).toHaveLength(1);
    expect([change.before.description, change.after.description]).toEqual(['k0', 'k1']);
    expect(change.before.updatedAt).toEqual(hero.updatedAt);
    expect(change.after.updatedAt.getTime()).toBeGreaterThanOrEqual(hero.updatedAt.getTime());
    expect((await heroes.findById(hero.id))?.description).toBe('k1');
  });

  it('reads the row again when a declared column changed since, and returns that state as replaced', async () => {
    const heroes = new PrismaHeroRepository(logged.prisma);
    const hero = await readHero(heroes, 'm0');
    await outside(`"language" = 'fr', "description" = 'outside'`, hero.id);
    logged.statements.length = 0;
    const change = await heroes.updateReturningKeyState(hero.id, { description: 'm1' }, keyTables);
    expect([change.before.language, change.before.description]).toEqual([Language.French, 'outside']);
    expect([change.after.language, change.after.description]).toEqual([Language.French, 'm1']);
    // The compare-and-set that missed, the SELECT, the one that applied.
    if (sqlite) expect(logged.statements.filter((sql) => /^(BEGIN|COMMIT)/.test(sql))).toEqual([]);
  });

  it('keeps the declared columns exact when only a column it sets changed since (that one may be older)', async () => {
    const heroes = new PrismaHeroRepository(logged.prisma);
    const hero = await readHero(heroes, 'n0');
    await outside(`"description" = 'outside'`, hero.id);
    logged.statements.length = 0;
    const change = await heroes.updateReturningKeyState(hero.id, { description: 'n1' }, keyTables);
    expect([change.before.id, change.before.name, change.before.language]).toEqual([hero.id, 'Medea', Language.Greek]);
    expect(change.after.description).toBe('n1');
    // SQLite: the remembered value (the declaration says no key reads it); PostgreSQL: the exact update's.
    expect(change.before.description).toBe(sqlite ? 'n0' : 'outside');
    if (sqlite) expect(logged.statements).toHaveLength(1);
  });

  it('without a declaration for its table, is the exact update', async () => {
    const heroes = new PrismaHeroRepository(logged.prisma);
    const hero = await readHero(heroes, 'e0');
    await outside(`"description" = 'outside'`, hero.id);
    const change = await heroes.updateReturningKeyState(hero.id, { description: 'e1' }, [
      { table: 'Elsewhere', columns: ['id'] },
    ]);
    expect(change.before.description).toBe('outside');
  });

  it('returns the receipt of the change log given: its own change, and every change committed before', async () => {
    const heroes = new PrismaHeroRepository(logged.prisma);
    const hero = await readHero(heroes, 'r0');
    const log = { kind: fixture.db.provider, name: 'CacheChange' } as const;
    if (sqlite) await installSqliteCapture(prismaSqlClient(logged.prisma), capturedColumns([heroCacheStrategy()]));
    // SQLite: the change table's last id; PostgreSQL: the id of the transaction that wrote the row last (xmin).
    const lastChange = async (): Promise<number> => {
      const sql = sqlite
        ? 'SELECT MAX("id") AS "at" FROM "CacheChange"'
        : 'SELECT CAST("xmin" AS TEXT) AS "at" FROM "Hero" WHERE "id" = $1';
      const [row] = await logged.prisma.$queryRawUnsafe<{ at: unknown }[]>(sql, ...(sqlite ? [] : [hero.id]));
      return Number(row?.at ?? 0);
    };
    await outside(`"description" = 'first change'`, hero.id); // SQLite: the sequence starts
    for (const description of ['r1', 'r2', 'r3']) {
      await outside(`"description" = 'outside ${description}'`, hero.id);
      const committed = await lastChange();
      const change = await heroes.updateReturningKeyState(hero.id, { description }, keyTables, log);
      expect(change.after.description).toBe(description);
      const own = await lastChange();
      // SQLite evaluates RETURNING before the AFTER UPDATE trigger inserts the change row (receipts.ts relies on it):
      // the receipt names this write's own row. PostgreSQL: its own transaction id, xmin of the row it wrote.
      expect(change.receipt?.own).toBe(own);
      if (sqlite) expect(change.receipt).toEqual({ below: committed + 1, own: committed + 1 });
      // The change committed before the write is covered, the write's own is not below its receipt.
      expect(change.receipt && precedes(committed, change.receipt.below)).toBe(true);
      expect(change.receipt && precedes(own, change.receipt.below)).toBe(false);
    }
    // Without the log, or with another change table's (SQLite), no receipt.
    expect((await heroes.updateReturningKeyState(hero.id, { description: 'r4' }, keyTables)).receipt).toBe(undefined);
    if (!sqlite) return;
    const other = { kind: 'sqlite', name: 'OtherChanges' } as const;
    expect((await heroes.updateReturningKeyState(hero.id, { description: 'r5' }, keyTables, other)).receipt).toBe(
      undefined,
    );
  });

  it('throws EntityNotFoundError for an id that does not exist', async () => {
    const heroes = new PrismaHeroRepository(logged.prisma);
    await readHero(heroes, 'x0');
    await expect(
      heroes.updateReturningKeyState('no-such-hero', { description: 'x1' }, keyTables),
    ).rejects.toMatchObject({ code: 'E_ENTITY_NOT_FOUND' });
  });
});
