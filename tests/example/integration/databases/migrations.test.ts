import { existsSync } from 'node:fs';
import { Client } from 'pg';
import {
  createPrismaClient,
  databaseFilePath,
  migrateDatabase,
} from '../../../../example/infrastructure/prisma/database';
import { createTestDatabase, testDatabaseProvider, type TestDatabase } from '../../support/database';

/**
 * The setup path of each database: `migrateDatabase` brings a database to the current
 * schema.prisma, repeatably; PostgreSQL's migrations are derived from it (postgres-migrate.ts).
 */
describe(`migrateDatabase (${testDatabaseProvider()})`, () => {
  let db: TestDatabase;

  beforeAll(() => {
    db = createTestDatabase();
  });

  afterAll(() => db.close());

  if (testDatabaseProvider() === 'sqlite') {
    it('leaves a WAL-mode file that holds every table by itself, and reset starts it empty', async () => {
      const url = db.url.replace(/test\.db$/, 'migrated.db');
      await migrateDatabase(url);
      const file = databaseFilePath(url);
      expect(existsSync(`${file}-wal`)).toBe(false);
      const prisma = createPrismaClient(url);
      try {
        expect(await prisma.$queryRawUnsafe('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
        await prisma.hero.create({ data: { name: 'Kept?', language: 'en', gender: 'other' } });
        expect(await prisma.hero.count()).toBe(1);
      } finally {
        await prisma.$disconnect();
      }
      await migrateDatabase(url, { reset: true });
      const fresh = createPrismaClient(url);
      try {
        expect(await fresh.hero.count()).toBe(0);
      } finally {
        await fresh.$disconnect();
      }
    });
  } else {
    const withSchema = (schema: string): string => `${db.url}?schema=${schema}`;
    const query = async <R extends object>(sql: string, values: unknown[] = []): Promise<R[]> => {
      const client = new Client({ connectionString: db.url });
      await client.connect();
      try {
        return (await client.query<R>(sql, values)).rows;
      } finally {
        await client.end();
      }
    };
    const tablesOf = async (schema: string): Promise<string[]> =>
      (
        await query<{ table_name: string }>(
          'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
          [schema],
        )
      ).map((row) => row.table_name);
    const records = (schema: string): Promise<Array<{ datamodel: string; applied_sql: string }>> =>
      query(`SELECT datamodel, applied_sql FROM "${schema}"."_cachedrepo_schema" ORDER BY id`);

    it(
      'creates the schema and its tables once, records what it applied, and does nothing the ' + 'second time',
      async () => {
        await migrateDatabase(withSchema('fresh'));
        await migrateDatabase(withSchema('fresh'));
        expect(await tablesOf('fresh')).toEqual(
          expect.arrayContaining(['CacheOutbox', 'Card', 'Child', 'Deck', 'Hero', 'Story', '_cachedrepo_schema']),
        );
        const applied = await records('fresh');
        expect(applied).toHaveLength(1);
        expect(applied[0]?.applied_sql).toContain('CREATE TABLE "Hero"');
        const prisma = createPrismaClient(withSchema('fresh'));
        try {
          await prisma.hero.create({ data: { name: 'In fresh', language: 'en', gender: 'other' } });
          expect(await prisma.hero.count()).toBe(1);
        } finally {
          await prisma.$disconnect();
        }
        expect(await query('SELECT 1 FROM public."Hero" WHERE name = $1', ['In fresh'])).toEqual([]);
      },
    );

    it('applies only the difference from the schema it applied last (a model added since)', async () => {
      await migrateDatabase(withSchema('grown'));
      // As if CacheOutbox had been added to schema.prisma after the last deployment.
      const [first] = await records('grown');
      const older = (first?.datamodel ?? '').replace(/\nmodel CacheOutbox \{[^}]*\}\n/, '\n');
      expect(older).not.toContain('model CacheOutbox');
      await query('DROP TABLE grown."CacheOutbox"');
      await query('UPDATE grown."_cachedrepo_schema" SET datamodel = $1, schema_sha256 = $2', [older, 'older']);

      await migrateDatabase(withSchema('grown'));

      const applied = await records('grown');
      expect(applied).toHaveLength(2);
      expect(applied[1]?.applied_sql).toContain('CREATE TABLE "CacheOutbox"');
      expect(applied[1]?.applied_sql).not.toContain('CREATE TABLE "Hero"');
      expect(await tablesOf('grown')).toContain('CacheOutbox');
    });

    it('turns an existing Card -> Deck RESTRICT foreign key into ON DELETE CASCADE, keeping the rows', async () => {
      await migrateDatabase(withSchema('cascade'));
      // As deployed before the 20261207053309_card_deck_cascade migration: the foreign key RESTRICT.
      const [first] = await records('cascade');
      const cascade = /(deck\s+Deck\s+@relation\(fields: \[deckId\], references: \[id\], onDelete: )Cascade\)/;
      expect(first?.datamodel).toMatch(cascade);
      await query(`ALTER TABLE cascade."Card" DROP CONSTRAINT "Card_deckId_fkey"`);
      await query(
        `ALTER TABLE cascade."Card" ADD CONSTRAINT "Card_deckId_fkey" FOREIGN KEY ("deckId") REFERENCES ` +
          `cascade."Deck"("id") ON DELETE RESTRICT ON UPDATE CASCADE`,
      );
      await query('UPDATE cascade."_cachedrepo_schema" SET datamodel = $1, schema_sha256 = $2', [
        (first?.datamodel ?? '').replace(cascade, '$1Restrict)'),
        'restrict',
      ]);
      await query(`INSERT INTO cascade."Deck" (id, name, level, "updatedAt") VALUES ('d1', 'Deck', 'A1', now())`);
      await query(
        `INSERT INTO cascade."Card" (id, "deckId", front, back, "orderIndex", "updatedAt") ` +
          `VALUES ('c1', 'd1', 'f', 'b', 0, now())`,
      );
      await expect(query(`DELETE FROM cascade."Deck" WHERE id = 'd1'`)).rejects.toThrow(/foreign key/);

      await migrateDatabase(withSchema('cascade'));

      expect((await records('cascade'))[1]?.applied_sql).toMatch(/ON DELETE CASCADE/);
      expect(await query('SELECT id FROM cascade."Card"')).toEqual([{ id: 'c1' }]);
      await query(`DELETE FROM cascade."Deck" WHERE id = 'd1'`);
      expect(await query('SELECT id FROM cascade."Card"')).toEqual([]);
    });

    it('refuses a difference that would drop a table with its rows, and applies it when told to', async () => {
      await migrateDatabase(withSchema('shrunk'));
      // As if a model had been removed from schema.prisma since the last deployment.
      const [first] = await records('shrunk');
      await query(`CREATE TABLE shrunk."Legacy" ("id" TEXT NOT NULL PRIMARY KEY)`);
      await query(`INSERT INTO shrunk."Legacy" ("id") VALUES ('precious')`);
      await query('UPDATE shrunk."_cachedrepo_schema" SET datamodel = $1, schema_sha256 = $2', [
        `${first?.datamodel ?? ''}\nmodel Legacy {\n  id String @id\n}\n`,
        'with-legacy',
      ]);

      await expect(migrateDatabase(withSchema('shrunk'))).rejects.toThrow(/would lose data[\s\S]*DROP TABLE "Legacy"/);
      expect(await query('SELECT id FROM shrunk."Legacy"')).toEqual([{ id: 'precious' }]);
      expect(await records('shrunk')).toHaveLength(1);

      await migrateDatabase(withSchema('shrunk'), { acceptDataLoss: true });
      expect(await tablesOf('shrunk')).not.toContain('Legacy');
      expect(await records('shrunk')).toHaveLength(2);
    });

    it('resets a schema of its own, and refuses to reset public', async () => {
      await migrateDatabase(withSchema('example'));
      await query('INSERT INTO example."Deck" (id, name, level, "updatedAt") VALUES ($1, $2, $3, now())', [
        'd1',
        'Deck',
        'A1',
      ]);
      await migrateDatabase(withSchema('example'), { reset: true });
      expect(await query('SELECT id FROM example."Deck"')).toEqual([]);
      await expect(migrateDatabase(db.url, { reset: true })).rejects.toThrow('Refusing to reset the public schema');
    });
  }
});
