import { EntityNotFoundError } from '../../../../src/errors';
import { type AffectedKeysOf } from 'cachedrepo';
import { byCreation, PrismaRepository, type ModelDelegate } from 'cachedrepo/prisma';
import type { Hero as HeroRow, Prisma, PrismaClient } from '../../../../generated/prisma/client';
import { Gender, Language, type Hero } from '../../../../example/domain';
import { migrateDatabase } from '../../../../example/infrastructure/prisma/database';
import { heroMapper } from '../../../../example/infrastructure/prisma/hero-mapper';
import { testDatabaseProvider, useTestDatabase } from '../../support/database';
import { historyProblems } from './support/contention';
import { loggedClient, type LoggedClient } from './support/logged-client';

/** The heroes of the app, over a delegate the test chooses (to take away what the fast path needs). */
class HeroRows extends PrismaRepository<Hero, HeroRow, Prisma.TransactionClient> {
  constructor(
    prisma: PrismaClient,
    delegateOf: (db: Prisma.TransactionClient) => ModelDelegate<HeroRow> = (db) => db.hero,
  ) {
    super('Hero', prisma, delegateOf, heroMapper, byCreation);
  }
}

/** The hero delegate without its field references: the write path cannot build its raw SELECT. */
const withoutFields = (db: Prisma.TransactionClient): ModelDelegate<HeroRow> => ({
  findUnique: (args) => db.hero.findUnique(args),
  findMany: (args) => db.hero.findMany(args),
  create: (args) => db.hero.create(args as Prisma.HeroCreateArgs),
  update: (args) => db.hero.update(args as Prisma.HeroUpdateArgs),
  delete: (args) => db.hero.delete(args),
});

/** The hero delegate claiming another table (as `@@map` would): the probe of the raw SELECT fails. */
const mappedElsewhere = (db: Prisma.TransactionClient): ModelDelegate<HeroRow> => ({
  ...withoutFields(db),
  fields: Object.fromEntries(
    Object.values(db.hero.fields).map((field) => [
      field.name,
      { modelName: 'NoSuchTable', name: field.name, typeName: field.typeName, isList: field.isList },
    ]),
  ),
});

const affected: AffectedKeysOf<Hero> = (before, after) => [
  `hero:${String((before ?? after)?.id)}`,
  `hero:language:${String(before?.language)}`,
  `hero:language:${String(after?.language)}`,
];

const newHero = (description: string) => ({
  name: 'Theseus',
  language: Language.Greek,
  gender: Gender.Male,
  description,
});

describe('PrismaRepository write path', () => {
  const fixture = useTestDatabase();
  let logged: LoggedClient;

  beforeAll(() => {
    logged = loggedClient(fixture.db);
  });

  afterAll(() => logged.prisma.$disconnect());

  const outboxKeys = async (): Promise<string[][]> =>
    (await logged.prisma.cacheOutbox.findMany({ orderBy: { id: 'asc' } })).map(
      (row) => JSON.parse(row.keys) as string[],
    );

  beforeEach(async () => {
    await logged.prisma.cacheOutbox.deleteMany({});
  });

  it(
    'updateRecorded of a row it has not read or written reads it with one raw SELECT, then writes it and the ' +
      'outbox row only if the row is unchanged, in raw SQL',
    async () => {
      const heroes = new HeroRows(logged.prisma);
      const warm = await heroes.save(newHero('v0'));
      await heroes.updateRecorded(warm.id, { description: 'v1' }, affected); // the first write probes
      const hero = await heroes.save(newHero('v1'));
      logged.statements.length = 0;

      const { before, after } = await heroes.updateRecorded(
        hero.id,
        { description: 'v2', language: Language.French },
        affected,
      );

      expect([before.description, before.language, after.description, after.language]).toEqual([
        'v1',
        Language.Greek,
        'v2',
        Language.French,
      ]);
      // @updatedAt set by the raw UPDATE too
      expect(after.updatedAt.getTime()).toBeGreaterThanOrEqual(before.updatedAt.getTime());
      expect((await heroes.findById(hero.id))?.updatedAt).toEqual(after.updatedAt);
      const pg = fixture.db.provider === 'postgresql';
      const select = pg
        ? /^SELECT "id", .* FROM "Hero" WHERE "id" = \$1$/
        : /^SELECT "id", .* FROM "Hero" WHERE "id" = \?$/;
      const write = pg
        ? [
            new RegExp(
              String.raw`^WITH "after" AS \(UPDATE "Hero" SET "language" = \$1, "description" = \$2, ` +
                String.raw`"updatedAt" = \$3 WHERE "id" = \$4 AND "name" IS NOT DISTINCT FROM \$5 ` +
                String.raw`.*INSERT INTO "CacheOutbox" .* FROM "after"\) SELECT \* FROM "after"$`,
            ),
          ]
        : [
            new RegExp(
              String.raw`^UPDATE "Hero" SET "language" = \?, "description" = \?, "updatedAt" = \? ` +
                String.raw`WHERE "id" = \? AND "name" IS \? AND .* RETURNING `,
            ),
            /^INSERT INTO "CacheOutbox" \("keys", "createdAt"\) SELECT \?, \? WHERE changes\(\) = 1$/,
            /^COMMIT$/,
          ];
      const sent = logged.statements.slice(0, 1 + write.length);
      expect(sent).toHaveLength(1 + write.length);
      [select, ...write].forEach((pattern, index) => expect(sent[index]).toMatch(pattern));
      // no compiled Prisma query, no lock (the row was as read)
      expect(logged.statements.some((sql) => sql.includes('FOR UPDATE') || sql.includes('`'))).toBe(false);
      expect((await outboxKeys()).pop()).toEqual([`hero:${hero.id}`, 'hero:language:el', 'hero:language:fr']);
    },
  );

  it(
    'updateReturningBeforeImage is one locking statement on PostgreSQL, a batch that locks, reads and updates on ' +
      'SQLite (for a row it has not read or written)',
    async () => {
      const heroes = new HeroRows(logged.prisma);
      const warm = await heroes.save(newHero('b0'));
      await heroes.updateReturningBeforeImage(warm.id, { description: 'b1' }); // the first write probes
      const hero = await heroes.save(newHero('b1'));
      logged.statements.length = 0;

      const { before, after } = await heroes.updateReturningBeforeImage(hero.id, { description: 'b2' });

      expect([before.description, after.description]).toEqual(['b1', 'b2']);
      expect([before.id, after.id, before.name, after.name]).toEqual([hero.id, hero.id, 'Theseus', 'Theseus']);
      expect(after.updatedAt.getTime()).toBeGreaterThanOrEqual(before.updatedAt.getTime());
      if (fixture.db.provider === 'postgresql') {
        expect(logged.statements).toEqual([
          expect.stringMatching(
            new RegExp(
              String.raw`^WITH "before" AS \(SELECT .* FROM "Hero" WHERE "id" = \$3 FOR UPDATE\) ` +
                String.raw`UPDATE "Hero" SET "description" = \$1, "updatedAt" = \$2 FROM "before" ` +
                String.raw`WHERE "Hero"."id" = "before"."id" RETURNING `,
            ),
          ),
        ]);
      } else {
        expect(logged.statements).toEqual([
          'UPDATE "CacheOutbox" SET "id" = "id" WHERE 0',
          expect.stringMatching(/^SELECT .* FROM "Hero" WHERE "id" = \?$/),
          expect.stringMatching(/^UPDATE "Hero" SET "description" = \?, "updatedAt" = \? WHERE "id" = \? RETURNING /),
          'COMMIT',
        ]);
      }
    },
  );

  it('findById reads with the raw SELECT once it is verified, and returns what findUnique does', async () => {
    const heroes = new HeroRows(logged.prisma);
    const hero = await heroes.save(newHero('r0'));
    await heroes.findById(hero.id); // the first read probes
    logged.statements.length = 0;

    const found = await heroes.findById(hero.id);

    expect(found).toEqual(
      heroMapper.toDomain((await logged.prisma.hero.findUnique({ where: { id: hero.id } })) as HeroRow),
    );
    expect(logged.statements[0]).toMatch(/^SELECT "id", .* FROM "Hero" WHERE "id" = (\$1|\?)$/);
    expect(await heroes.findById('no-such-hero')).toBeNull();
  });

  it.each([
    ['without field references', withoutFields],
    ['mapped to another table', mappedElsewhere],
  ])('reads with findUnique when the raw SELECT cannot be used (%s), with the same results', async (_, delegateOf) => {
    const heroes = new HeroRows(logged.prisma, delegateOf);
    const hero = await heroes.save(newHero('f0'));
    await heroes.updateReturningBeforeImage(hero.id, { description: 'f1' });
    logged.statements.length = 0;

    const returned = await heroes.updateReturningBeforeImage(hero.id, { description: 'f2' });
    const recorded = await heroes.updateRecorded(hero.id, { description: 'f3', language: Language.Spanish }, affected);

    expect([
      returned.before.description,
      returned.after.description,
      recorded.before.description,
      recorded.after.description,
    ]).toEqual(['f1', 'f2', 'f2', 'f3']);
    expect(
      logged.statements.some((sql) => sql.includes('FOR UPDATE') || sql.includes('FROM "Hero" WHERE "id" =')),
    ).toBe(false);
    expect((await outboxKeys()).pop()).toEqual([`hero:${hero.id}`, 'hero:language:el', 'hero:language:es']);
  });

  it('concurrent recorded updates of one row each report the row they replaced, on either read path', async () => {
    // PostgreSQL: four clients (four connections at once). SQLite: one client, whose adapter runs
    // one transaction at a time (two connections of one process would block its event loop).
    const extra =
      fixture.db.provider === 'postgresql'
        ? [loggedClient(fixture.db), loggedClient(fixture.db), loggedClient(fixture.db)]
        : [];
    const clients = [logged.prisma, ...extra.map((client) => client.prisma)];
    try {
      for (const delegateOf of [(db: Prisma.TransactionClient) => db.hero, withoutFields]) {
        const repositories = clients.map((client) => new HeroRows(client, delegateOf));
        const hero = await (repositories[0] as HeroRows).save(newHero('initial'));
        const writers = Array.from({ length: 4 }, async (_, writer) => {
          const repository = repositories[writer % repositories.length] as HeroRows;
          const seen: Array<{
            id: string;
            before: string;
            after: string;
            beforeLanguage: string;
            afterLanguage: string;
          }> = [];
          for (let i = 0; i < 15; i += 1) {
            const { before, after } = await repository.updateRecorded(
              hero.id,
              { description: `w${writer}-${i}` },
              affected,
            );
            seen.push({
              id: hero.id,
              before: before.description ?? '',
              after: after.description ?? '',
              beforeLanguage: before.language,
              afterLanguage: after.language,
            });
          }
          return seen;
        });
        // allSettled: a writer that failed must not leave the others writing into the next test.
        const settled = await Promise.allSettled(writers);
        const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
        if (failed) throw failed.reason;
        const transitions = settled.flatMap((result) => (result.status === 'fulfilled' ? result.value : []));
        const final = await (repositories[0] as HeroRows).findById(hero.id);
        expect(historyProblems('initial', final?.description ?? '', transitions)).toEqual([]);
      }
    } finally {
      await Promise.all(extra.map((client) => client.prisma.$disconnect()));
    }
  }, 60_000);

  it(
    'commits the outbox row with the write or neither: a failing key computation leaves the ' + 'row as it was',
    async () => {
      const heroes = new HeroRows(logged.prisma);
      const hero = await heroes.save(newHero('kept'));
      const failing: AffectedKeysOf<Hero> = () => {
        throw new Error('strategy failed');
      };

      await expect(heroes.updateRecorded(hero.id, { description: 'lost' }, failing)).rejects.toThrow('strategy failed');
      await expect(heroes.saveRecorded(newHero('never'), failing)).rejects.toThrow('strategy failed');
      await expect(heroes.deleteRecorded(hero.id, failing)).rejects.toThrow('strategy failed');

      expect((await heroes.findById(hero.id))?.description).toBe('kept');
      expect(await heroes.findByIds([hero.id])).toHaveLength(1);
      expect(await logged.prisma.hero.count({ where: { description: 'never' } })).toBe(0);
      expect(await outboxKeys()).toEqual([]);
    },
  );

  it(
    'an update of a missing id throws EntityNotFoundError, a delete of one returns null, and ' +
      'neither records anything',
    async () => {
      const heroes = new HeroRows(logged.prisma);
      await expect(heroes.updateRecorded('no-such-hero', { description: 'x' }, affected)).rejects.toBeInstanceOf(
        EntityNotFoundError,
      );
      await expect(heroes.updateReturningBeforeImage('no-such-hero', { description: 'x' })).rejects.toBeInstanceOf(
        EntityNotFoundError,
      );
      expect(await heroes.deleteRecorded('no-such-hero', affected)).toBeNull();
      expect(await outboxKeys()).toEqual([]);

      const hero = await heroes.save(newHero('doomed'));
      const deleted = await heroes.deleteRecorded(hero.id, affected);
      expect(deleted?.description).toBe('doomed');
      expect(await heroes.findById(hero.id)).toBeNull();
      expect(await outboxKeys()).toEqual([[`hero:${hero.id}`, 'hero:language:el', 'hero:language:undefined']]);
    },
  );

  // SQLite has one schema per file: nothing for raw SQL to mistake there.
  if (testDatabaseProvider() === 'postgresql') {
    it(
      'notices a PostgreSQL client whose raw SQL sees another schema than its queries, and ' +
        'writes through Prisma only',
      async () => {
        await migrateDatabase(`${fixture.db.url}?schema=elsewhere`);
        const misconfigured = loggedClient(fixture.db, { pgSchema: 'elsewhere' });
        try {
          const heroes = new HeroRows(misconfigured.prisma);
          const hero = await heroes.save(newHero('e0'));
          await heroes.updateRecorded(hero.id, { description: 'e1' }, affected);
          const { before } = await heroes.updateRecorded(hero.id, { description: 'e2' }, affected);

          expect(before.description).toBe('e1');
          expect(
            misconfigured.statements.some(
              (sql) => sql.startsWith('INSERT INTO "CacheOutbox"') || sql.includes('FOR UPDATE'),
            ),
          ).toBe(false);
          expect(await misconfigured.prisma.cacheOutbox.count()).toBe(2);
        } finally {
          await misconfigured.prisma.$disconnect();
        }
      },
    );
  }
});
