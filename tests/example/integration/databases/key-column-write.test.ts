import type { AffectedKeysOf } from 'cachedrepo';
import type { CapturedTable } from 'cachedrepo/capture';
import { Gender, Language, type Hero } from '../../../../example/domain';
import { PrismaHeroRepository } from '../../../../example/infrastructure/prisma';
import { testDatabaseProvider, useTestDatabase } from '../../support/database';
import { loggedClient, type LoggedClient } from './support/logged-client';

/**
 * The recorded update's compare-and-set compares only the columns the strategy's capture declaration says its keys
 * read (src/prisma/fast-update.ts): a concurrent write of another column waits for the row's lock instead of failing
 * it, the row reported as replaced is still the one replaced, and a declaration that leaves out a column the keys
 * read is caught by the change itself (its keys recorded, every column compared from then on).
 */
const affected: AffectedKeysOf<Hero> = (before, after) => [
  `hero:${String((before ?? after)?.id)}`,
  `hero:language:${String(before?.language)}`,
  `hero:language:${String(after?.language)}`,
];

const declared = (columns: string[]): CapturedTable<Hero>[] => [
  { table: 'Hero', columns, toEntity: () => ({}) as Hero },
];

const newHero = (description: string) => ({
  name: 'Ariadne',
  language: Language.Greek,
  gender: Gender.Female,
  description,
});

describe(`recorded update with declared key columns (${testDatabaseProvider()})`, () => {
  const fixture = useTestDatabase();
  let logged: LoggedClient;

  beforeAll(() => {
    logged = loggedClient(fixture.db);
  });

  afterAll(() => logged.prisma.$disconnect());

  beforeEach(async () => {
    await logged.prisma.cacheOutbox.deleteMany({});
  });

  const outboxKeys = async (): Promise<string[][]> =>
    (await logged.prisma.cacheOutbox.findMany({ orderBy: { id: 'asc' } })).map(
      (row) => JSON.parse(row.keys) as string[],
    );
  const updates = () => logged.statements.filter((sql) => /^(WITH "(before|after)"|UPDATE "Hero")/.test(sql)).length;
  /** A compare-and-set of every column without the lock is tried first: one more UPDATE when the row changed. */
  const optimistic = 1;

  /** A repository that has probed and remembers `hero` as `description`, and a second writer. */
  async function writers(description: string) {
    const heroes = new PrismaHeroRepository(logged.prisma);
    const other = new PrismaHeroRepository(logged.prisma);
    const hero = await heroes.save(newHero(description));
    await heroes.updateRecorded(hero.id, { description }, affected, declared(['id', 'language'])); // probes
    await logged.prisma.cacheOutbox.deleteMany({});
    logged.statements.length = 0;
    return { heroes, other, hero };
  }

  it('applies at the first attempt when only other columns changed, and reports the row it replaced', async () => {
    const { heroes, other, hero } = await writers('v0');
    await other.update(hero.id, { description: 'other', name: 'Ariadne I' }); // the remembered row is stale now
    logged.statements.length = 0;

    const change = await heroes.updateRecorded(hero.id, { description: 'v1' }, affected, declared(['id', 'language']));

    expect(updates()).toBe(1 + optimistic);
    expect([change.before.description, change.before.name, change.after.description]).toEqual([
      'other',
      'Ariadne I',
      'v1',
    ]);
    expect(await outboxKeys()).toEqual([[`hero:${hero.id}`, 'hero:language:el', 'hero:language:el']]);
  });

  it('tries again with the row it found when a declared column changed, and records the keys of that row', async () => {
    const { heroes, other, hero } = await writers('v0');
    await other.update(hero.id, { language: Language.French });
    logged.statements.length = 0;

    const change = await heroes.updateRecorded(hero.id, { description: 'v1' }, affected, declared(['id', 'language']));

    expect(updates()).toBe(2 + optimistic);
    expect([change.before.language, change.after.language]).toEqual([Language.French, Language.French]);
    expect(await outboxKeys()).toEqual([[`hero:${hero.id}`, 'hero:language:fr', 'hero:language:fr']]);
  });

  it('records the keys a declaration left out when the change shows them, then compares every column', async () => {
    const { heroes, other, hero } = await writers('v0');
    await other.update(hero.id, { language: Language.French }); // a column the keys read, left out below
    logged.statements.length = 0;

    const change = await heroes.updateRecorded(hero.id, { description: 'v1' }, affected, declared(['id']));

    expect(updates()).toBe(1 + optimistic);
    expect(change.before.language).toBe(Language.French);
    expect(await outboxKeys()).toEqual([
      [`hero:${hero.id}`, 'hero:language:el', 'hero:language:el'],
      ['hero:language:fr'],
    ]);
    await other.update(hero.id, { description: 'other' }); // not a key column, yet every column counts now
    logged.statements.length = 0;
    await heroes.updateRecorded(hero.id, { description: 'v2' }, affected, declared(['id']));
    expect(updates()).toBe(2 + optimistic);
  });

  it('locks at once on a row that other writers keep changing, and tries without the lock again later', async () => {
    const { heroes, other, hero } = await writers('v0');
    const locking = /^(WITH "before"|UPDATE "CacheOutbox" SET "id" = "id" WHERE 0)/;
    const update = async (description: string) => {
      logged.statements.length = 0;
      await heroes.updateRecorded(hero.id, { description }, affected, declared(['id', 'language']));
      return { updates: updates(), locked: logged.statements.some((sql) => locking.test(sql)) };
    };
    const contended = [];
    for (let i = 1; i <= 5; i += 1) {
      await other.update(hero.id, { description: `other ${i}` });
      contended.push(await update(`v${i}`));
    }
    // Three tries found the row changed (each: the try, then the locking write); then the locking write alone.
    expect(contended.slice(0, 3)).toEqual(Array(3).fill({ updates: 2, locked: true }));
    expect(contended.slice(3)).toEqual(Array(2).fill({ updates: 1, locked: true }));
    const quiet = [];
    for (let i = 6; i <= 12; i += 1) quiet.push(await update(`v${i}`));
    // Nobody else writes: the locking write finds the row as expected, and tries resume.
    expect(quiet.at(-1)).toEqual({ updates: 1, locked: false });
  });

  it('ignores a declaration of another table or of a column the model does not have', async () => {
    for (const keyTables of [
      [{ ...declared(['id'])[0], table: 'Child' }] as CapturedTable<Hero>[],
      declared(['id', 'nickname']),
    ]) {
      const { heroes, other, hero } = await writers('v0');
      await other.update(hero.id, { description: 'other' });
      logged.statements.length = 0;
      await heroes.updateRecorded(hero.id, { description: 'v1' }, affected, keyTables);
      expect(updates()).toBe(2 + optimistic); // every column compared: the stale remembered row fails once
    }
  });
});
