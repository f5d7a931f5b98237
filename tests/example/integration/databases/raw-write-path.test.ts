import type { AffectedKeysOf } from 'cachedrepo';
import type { Hero as HeroRow, PrismaClient } from '../../../../generated/prisma/client';
import { CefrLevel, Gender, Language, type Hero } from '../../../../example/domain';
import { heroMapper } from '../../../../example/infrastructure/prisma/hero-mapper';
import {
  PrismaChildRepository,
  PrismaDeckRepository,
  PrismaHeroRepository,
  PrismaOutbox,
} from '../../../../example/infrastructure/prisma';
import { testDatabaseProvider, useTestDatabase } from '../../support/database';
import { loggedClient, type LoggedClient } from './support/logged-client';

/**
 * The raw write path of cachedrepo/prisma (src/prisma/fast-update.ts): the row it
 * reports as replaced is the one the write replaced when another writer gets in between, what it
 * writes is what Prisma's update writes (`@updatedAt` included), and the probes leave nothing.
 */
const affected: AffectedKeysOf<Hero> = (before, after) => [
  `hero:${String((before ?? after)?.id)}`,
  `hero:language:${String(before?.language)}`,
  `hero:language:${String(after?.language)}`,
];

const newHero = (description: string) => ({
  name: 'Ariadne',
  language: Language.Greek,
  gender: Gender.Female,
  description,
});

/**
 * `prisma`, except that the next raw SELECT of a hero by id, once armed, is followed (after it
 * returned its row) by `meanwhile`: another writer getting in between the read and the write.
 */
function interposing(prisma: PrismaClient): {
  client: PrismaClient;
  arm(meanwhile: () => Promise<unknown>): void;
  disarm(): boolean;
} {
  let pending: (() => Promise<unknown>) | null = null;
  // The SELECT that follows SQLite's write-lock statement is in a batch transaction, under the lock: nobody can get in
  // between there, and a batch accepts only Prisma's own promises.
  let locked = false;
  const client = new Proxy(prisma, {
    get(target, property, receiver) {
      if (property === '$executeRawUnsafe')
        return (sql: string, ...values: unknown[]) => {
          if (sql.startsWith('UPDATE "CacheOutbox" SET "id" = "id" WHERE 0')) locked = true;
          return target.$executeRawUnsafe(sql, ...values);
        };
      if (property === '$queryRawUnsafe') {
        // Anything else goes out untouched: a batch transaction accepts only Prisma's own promises.
        return (sql: string, ...values: unknown[]) => {
          const query = target.$queryRawUnsafe(sql, ...values);
          const meanwhile = pending;
          const inBatch = locked;
          locked = false;
          if (inBatch || !meanwhile || !sql.startsWith('SELECT') || !sql.includes('FROM "Hero" WHERE "id"'))
            return query;
          pending = null;
          return query.then(async (rows: unknown) => {
            await meanwhile();
            return rows;
          });
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    client,
    arm: (meanwhile) => void (pending = meanwhile),
    /** Whether an armed `meanwhile` was still waiting for its SELECT (it never will now). */
    disarm: () => {
      const waiting = pending !== null;
      pending = null;
      return waiting;
    },
  };
}

describe(`raw write path (${testDatabaseProvider()})`, () => {
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

  it('a write that another writer got in front of reports the row it replaced and records its keys', async () => {
    const { client, arm, disarm } = interposing(logged.prisma);
    const heroes = new PrismaHeroRepository(client);
    const other = new PrismaHeroRepository(logged.prisma);
    // The probes run on another hero, so that `heroes` has never read or written this one.
    const probed = await heroes.save(newHero('p0'));
    await heroes.updateRecorded(probed.id, { description: 'p1' }, affected); // the first writes probe
    await heroes.updateReturningBeforeImage(probed.id, { description: 'p2' });
    const hero = await other.save(newHero('h0'));
    await logged.prisma.cacheOutbox.deleteMany({});

    // Another writer changes the row right after the SELECT that gives the keys (so the locking write finds another
    // row than expected and tries again with the row it found); then, with the row `heroes` remembers stale, another
    // writer first, and another one right after the read.
    arm(() => other.update(hero.id, { language: Language.French, description: 'other' }));
    const recorded = await heroes.updateRecorded(hero.id, { description: 'h3' }, affected);
    const first = disarm();
    await other.update(hero.id, { name: 'Ariadne II' });
    arm(() => other.update(hero.id, { language: Language.German, description: 'other again' }));
    const returned = await heroes.updateReturningBeforeImage(hero.id, { description: 'h4' });

    const waited = disarm();

    expect(first).toBe(false);
    expect([
      recorded.before.description,
      recorded.before.language,
      recorded.after.description,
      recorded.after.language,
    ]).toEqual(['other', Language.French, 'h3', Language.French]);
    // The remembered row is stale, so the write locks the row, then reads and writes it (PostgreSQL in one statement,
    // SQLite in one batch transaction): there is no "between" for another writer.
    expect(waited).toBe(true);
    expect([
      returned.before.description,
      returned.before.language,
      returned.after.description,
      returned.after.language,
    ]).toEqual(['h3', Language.French, 'h4', Language.French]);
    expect(await outboxKeys()).toEqual([[`hero:${hero.id}`, 'hero:language:fr', 'hero:language:fr']]);
    expect((await other.findById(hero.id))?.description).toBe('h4');
  });

  it(
    'tries the row as it last read or wrote it before reading it, and never reports a row another writer changed ' +
      'since as the row replaced',
    async () => {
      const heroes = new PrismaHeroRepository(logged.prisma);
      const hero = await heroes.save(newHero('r0'));
      await heroes.findById(hero.id);
      logged.statements.length = 0;
      const first = await heroes.updateRecorded(hero.id, { description: 'r1' }, affected);
      // Only a SELECT inside the write's own transaction (SQLite; PostgreSQL locks in its one statement).
      const selects = logged.statements.filter(
        (sql, index) => sql.startsWith('SELECT "id", "name"') && !logged.statements[index + 1]?.startsWith('UPDATE'),
      );
      // Written outside the repository: the row it remembers no longer holds.
      await logged.prisma.$executeRawUnsafe(
        `UPDATE "Hero" SET "language" = 'fr', "description" = 'outside' WHERE "id" = ${
          testDatabaseProvider() === 'postgresql' ? '$1' : '?'
        }`,
        hero.id,
      );
      const second = await heroes.updateRecorded(hero.id, { description: 'r2' }, affected);

      expect(selects).toEqual([]); // the row read by findById was the row: no SELECT before the write
      expect([first.before.description, first.after.description]).toEqual(['r0', 'r1']);
      expect([second.before.description, second.before.language, second.after.description]).toEqual([
        'outside',
        Language.French,
        'r2',
      ]);
      expect(second.after.language).toBe(Language.French);
      expect(await outboxKeys()).toEqual([
        [`hero:${hero.id}`, 'hero:language:el', 'hero:language:el'],
        [`hero:${hero.id}`, 'hero:language:fr', 'hero:language:fr'],
      ]);
    },
  );

  it(
    'sets @updatedAt as Prisma does, leaves other dates alone, and writes Int, Boolean and ' +
      'null values that read back as given',
    async () => {
      const heroes = new PrismaHeroRepository(logged.prisma);
      const children = new PrismaChildRepository(logged.prisma);
      const decks = new PrismaDeckRepository(logged.prisma);
      const hero = await heroes.save(newHero('d0'));
      const child = await children.save({ name: 'Io', age: 6, gender: Gender.Female, interests: ['owls'] });
      const deck = await decks.save({ name: 'Verbs', description: 'some', level: CefrLevel.A1, isActive: true });
      await heroes.updateReturningBeforeImage(hero.id, { description: 'd1' });
      await children.updateReturningBeforeImage(child.id, { age: 7 });
      await decks.updateReturningBeforeImage(deck.id, { isActive: false });

      const started = Date.now();
      const h = await heroes.updateReturningBeforeImage(hero.id, { description: null });
      const c = await children.updateReturningBeforeImage(child.id, { age: 8, interests: ['owls', 'ships'] });
      const d = await decks.updateReturningBeforeImage(deck.id, { isActive: true, description: null });

      expect(h.after.updatedAt.getTime()).toBeGreaterThanOrEqual(started);
      expect(h.after.createdAt).toEqual(hero.createdAt);
      expect([h.before.description, h.after.description]).toEqual(['d1', null]);
      expect([c.before.age, c.after.age, c.after.interests, c.after.createdAt]).toEqual([
        7,
        8,
        ['owls', 'ships'],
        child.createdAt,
      ]);
      expect([d.before.isActive, d.after.isActive, d.after.description]).toEqual([false, true, null]);
      expect(d.after.updatedAt.getTime()).toBeGreaterThanOrEqual(started);
      // What Prisma reads back is what the writes returned.
      expect(await heroes.findById(hero.id)).toEqual(h.after);
      expect(heroMapper.toDomain((await logged.prisma.hero.findUnique({ where: { id: hero.id } })) as HeroRow)).toEqual(
        h.after,
      );
      expect(await children.findById(child.id)).toEqual(c.after);
      expect(await decks.findById(deck.id)).toEqual(d.after);
    },
  );

  it('the probe of the first write leaves no trace: one outbox row, the row as the write left it', async () => {
    const heroes = new PrismaHeroRepository(logged.prisma);
    const hero = await heroes.save(newHero('p0'));

    const { before, after } = await heroes.updateRecorded(
      hero.id,
      { description: 'p1', language: Language.Spanish },
      affected,
    );

    expect([before.description, after.description, after.language]).toEqual(['p0', 'p1', Language.Spanish]);
    expect(await heroes.findById(hero.id)).toEqual(after);
    expect(await outboxKeys()).toEqual([[`hero:${hero.id}`, 'hero:language:el', 'hero:language:es']]);
  });

  it('the outbox reads and removes its rows with raw SQL once checked, oldest first', async () => {
    const heroes = new PrismaHeroRepository(logged.prisma);
    const outbox = new PrismaOutbox(logged.prisma);
    const hero = await heroes.save(newHero('o0'));
    for (const description of ['o1', 'o2', 'o3'])
      await heroes.updateRecorded(hero.id, { description }, (_, after) => [`hero:${String(after?.description)}`]);
    await outbox.read(1); // the first use checks the table
    logged.statements.length = 0;

    const entries = await outbox.read(2);
    await outbox.remove(entries.map((entry) => entry.id));
    const rest = await outbox.read(10);

    expect(entries.map((entry) => entry.keys)).toEqual([['hero:o1'], ['hero:o2']]);
    expect(rest.map((entry) => entry.keys)).toEqual([['hero:o3']]);
    expect(await outbox.size()).toBe(1);
    expect(logged.statements.slice(0, 3)).toEqual([
      expect.stringMatching(/^SELECT "id", "keys" FROM "CacheOutbox" ORDER BY "id" LIMIT (\?|\$1)$/),
      expect.stringMatching(/^DELETE FROM "CacheOutbox" WHERE "id" IN \((\?, \?|\$1, \$2)\)$/),
      expect.stringMatching(/^SELECT "id", "keys" FROM "CacheOutbox"/),
    ]);
  });

  // A SQLite column holds whatever text it is given; PostgreSQL stores a timestamp in one form.
  if (testDatabaseProvider() === 'sqlite') {
    it(
      'a row holding a date in a form the bound value does not match takes the general path, ' +
        'with the right states',
      async () => {
        const heroes = new PrismaHeroRepository(logged.prisma);
        const warm = await heroes.save(newHero('w0'));
        await heroes.updateRecorded(warm.id, { description: 'w1' }, affected);
        const hero = await heroes.save(newHero('s0'));
        await logged.prisma.$executeRawUnsafe(
          `UPDATE "Hero" SET "createdAt" = '2026-01-02 03:04:05' WHERE "id" = ?`,
          hero.id,
        );
        await logged.prisma.cacheOutbox.deleteMany({});
        logged.statements.length = 0;

        const { before, after } = await heroes.updateRecorded(hero.id, { description: 's1' }, affected);

        expect([before.description, after.description]).toEqual(['s0', 's1']);
        expect(after.createdAt).toEqual(before.createdAt);
        // tried once without the lock and once with it (which read the row back unchanged), then the general path
        expect(logged.statements.filter((sql) => /^UPDATE "Hero" SET .* AND "name" IS \?/.test(sql))).toHaveLength(2);
        expect(logged.statements).toContain('COMMIT');
        expect(await outboxKeys()).toEqual([[`hero:${hero.id}`, 'hero:language:el', 'hero:language:el']]);
      },
    );
  }
});
