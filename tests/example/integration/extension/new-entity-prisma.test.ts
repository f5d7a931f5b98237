import 'reflect-metadata';
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { Redis } from 'ioredis';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { CachedRepository, isCached, type CacheControl } from 'cachedrepo';
import { repositoryRegistration, type AnyRepositoryRegistration } from 'cachedrepo/tsyringe';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';
import type { PrismaClient } from '../../../../generated/prisma/client';
import { loadSettings, type Settings } from '../../../../example/config/settings';
import { registerDataLayer, TOKENS, type DataLayer } from '../../../../example/container';
import {
  BOOK_MODEL,
  BOOK_REPOSITORY,
  bookCacheStrategy,
  bookKeys,
  hasBookModel,
  PrismaBookRepository,
  type Book,
  type BookRepository,
} from '../../support/extension-book';
import {
  copyAppPrismaProject,
  createExtensionProject,
  migrationFolders,
  runDbMigration,
  type ExtensionProject,
} from '../../support/extension-project';
import { until } from '../../../support/wait';

// REDIS_CACHE.md section 8, for real: a Book model added to a copy of the app's schema, its
// migration written by `npm run db:migration`, a client generated and a database migrated
// (extension-project.ts), then a Prisma repository, key schema and strategy
// (extension-book.ts) registered through registerDataLayer's `entities` option.

/** Generous: the setup runs five Prisma CLI commands of 2-20 s each, longer on a loaded machine. */
const SETUP_TIMEOUT_MS = 600_000;
const CLI_TEST_TIMEOUT_MS = 240_000;

/**
 * The walkthrough's registration row: in an application, `entities: (prisma, settings) => [...]` in the call to
 * registerDataLayer.
 */
function bookEntities(prisma: PrismaClient, settings: Settings): AnyRepositoryRegistration[] {
  if (!hasBookModel(prisma))
    throw new Error('The Prisma client has no Book model: run prisma generate after adding it');
  const { defaultTtlSeconds, negativeTtlSeconds } = settings.cache;
  return [
    repositoryRegistration({
      entityType: 'book',
      token: BOOK_REPOSITORY,
      plain: new PrismaBookRepository(prisma),
      strategy: bookCacheStrategy({ ttlSeconds: defaultTtlSeconds, negativeTtlSeconds }),
    }),
  ];
}

describe('adding an entity through Prisma, a migration and the container (REDIS_CACHE.md section 8)', () => {
  let project: ExtensionProject;
  let client: PrismaClient;
  let server: RedisServerHandle;
  let redis: Redis;
  let container: DependencyContainer;
  const layers: DataLayer[] = [];
  const prefixed = (key: string): string => `cache:${key}`;
  const published = new Date('1968-11-01T00:00:00.000Z');

  function dataLayer(env: Record<string, string> = {}): DependencyContainer {
    const child = rootContainer.createChildContainer();
    const settings = loadSettings({ REDIS_URL: server.url, DATABASE_URL: project.databaseUrl, ...env });
    layers.push(registerDataLayer(child, settings, { prisma: client, entities: bookEntities }));
    return child;
  }

  /** The Book token, resolved as application code does, with the cache control a cached repository adds. */
  function cachedBooks(): BookRepository & CacheControl {
    const books = container.resolve(BOOK_REPOSITORY);
    if (!isCached(books)) throw new Error('expected the Book token to resolve to a cached repository');
    return books;
  }

  /** Waits for the stores that follow misses (they finish after the read returns), 5 s at most. */
  function stored(...keys: string[]): Promise<void> {
    return until(
      async () => (await redis.exists(...keys.map(prefixed))) === keys.length,
      5000,
      `the cache to store ${keys.join(', ')}`,
    );
  }

  /**
   * Waits until the outbox deliverer (CACHE_OUTBOX_POLL_INTERVAL, 100 ms) has delivered every
   * recorded write: its UNLINK repeats the write's own invalidation, so an entry stored before
   * it lands would be removed again. Reads that must hit wait for it first.
   */
  function outboxDelivered(): Promise<void> {
    const waiting = async (): Promise<number> =>
      Number((await client.$queryRawUnsafe<{ n: bigint | number }[]>('SELECT COUNT(*) AS n FROM "CacheOutbox"'))[0]?.n);
    return until(async () => (await waiting()) === 0, 15_000, 'the outbox to be delivered');
  }

  /** The Book row as stored, read past every repository. */
  async function storedTitle(id: string): Promise<string | undefined> {
    const rows = await client.$queryRawUnsafe<{ title: string }[]>('SELECT title FROM "Book" WHERE id = ?', id);
    return rows[0]?.title;
  }

  beforeAll(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
    project = await createExtensionProject(BOOK_MODEL, 'add_book');
    client = new project.PrismaClient({ adapter: new PrismaBetterSQLite3({ url: project.databaseUrl }) });
    container = dataLayer();
    expect(await container.resolve(TOKENS.CacheService).waitUntilReady(5000)).toBe(true);
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    for (const layer of layers) await layer.close();
    await client?.$disconnect();
    redis?.disconnect();
    await server?.stop();
    project?.remove();
  });

  describe('npm run db:migration', () => {
    it('wrote one migration, after the committed ones, that creates the Book table and nothing else', () => {
      const added = migrationFolders(project.dir).filter((folder) => !project.committedBefore.includes(folder));
      expect(added).toHaveLength(1);
      const [folder] = added as [string];
      expect(folder).toMatch(/^\d{14}_add_book$/);
      expect(folder > (project.committedBefore.at(-1) ?? '')).toBe(true);
      const sql = readFileSync(join(project.dir, 'prisma', 'migrations', folder, 'migration.sql'), 'utf8');
      expect(sql).toContain('CREATE TABLE "Book"');
      expect(sql).toContain('CREATE INDEX "Book_author_idx" ON "Book"("author")');
      // Only the Book: any other statement means prisma/schema.prisma is ahead of its migrations.
      expect(sql.match(/^(CREATE|ALTER|DROP|INSERT|PRAGMA) .*$/gm)).toEqual([
        expect.stringMatching(/^CREATE TABLE "Book"/),
        expect.stringMatching(/^CREATE INDEX "Book_author_idx"/),
      ]);
      expect(project.migrationOutput).toContain(join(project.dir, 'prisma', 'migrations', folder, 'migration.sql'));
    });

    it(
      'writes nothing when schema.prisma matches the migrations',
      async () => {
        const before = migrationFolders(project.dir);
        const again = await runDbMigration(project.dir, 'nothing_new');
        expect(again.code).toBe(0);
        expect(again.stdout).toContain(`matches the ${before.length} committed migration(s); nothing written`);
        expect(migrationFolders(project.dir)).toEqual(before);
      },
      CLI_TEST_TIMEOUT_MS,
    );

    it(
      'fails with the step and Prisma’s message, writing nothing, when schema.prisma is invalid',
      async () => {
        const broken = copyAppPrismaProject();
        try {
          const before = migrationFolders(broken);
          appendFileSync(
            join(broken, 'prisma', 'schema.prisma'),
            '\nmodel Broken {\n  id    String @id\n  owner Missing\n}\n',
          );
          const result = await runDbMigration(broken, 'broken');
          expect(result.code).not.toBe(0);
          expect(result.stderr).toMatch(/new-migration: Diffing the migrations against prisma\/schema\.prisma failed/);
          expect(result.stderr).toContain('Type "Missing" is neither a built-in type');
          expect(migrationFolders(broken)).toEqual(before);
        } finally {
          rmSync(broken, { recursive: true, force: true });
        }
      },
      CLI_TEST_TIMEOUT_MS,
    );
  });

  it('migrate deploy built the Book table next to the app tables and the CacheOutbox table', async () => {
    const tables = await client.$queryRawUnsafe<{ name: string }[]>(
      `SELECT name FROM sqlite_master WHERE type = 'table'`,
    );
    expect(tables.map((table) => table.name)).toEqual(expect.arrayContaining(['Book', 'CacheOutbox', 'Hero', 'Card']));
  });

  it('the container serves the Book token through the cache (isCached), and the app entities as before', () => {
    const books = container.resolve(BOOK_REPOSITORY);
    expect(books).toBeInstanceOf(CachedRepository);
    expect(isCached(books)).toBe(true);
    expect(container.resolve(TOKENS.HeroRepository)).toBeInstanceOf(CachedRepository);
  });

  it('findById: a miss stores book:{id}, the next read is a hit from Redis with its Date intact', async () => {
    const books = cachedBooks();
    const saved = await books.save({
      title: 'A Wizard of Earthsea',
      author: 'Ursula K. Le Guin',
      publishedAt: published,
    });
    await outboxDelivered();
    const before = books.getCacheStats();
    expect(await books.findById(saved.id)).toEqual(saved);
    await stored(bookKeys.byId({ id: saved.id }));
    // Changed behind the cache: only a read served from Redis still sees the old title.
    await client.$executeRawUnsafe('UPDATE "Book" SET title = ? WHERE id = ?', 'Changed behind the cache', saved.id);
    const hit = await books.findById(saved.id);
    expect(hit?.title).toBe('A Wizard of Earthsea');
    expect(hit?.publishedAt).toBeInstanceOf(Date);
    expect(hit?.publishedAt.getTime()).toBe(published.getTime());
    const after = books.getCacheStats();
    expect({ misses: after.misses - before.misses, hits: after.hits - before.hits }).toEqual({ misses: 1, hits: 1 });
  });

  it('findByAuthor: a miss stores book:author:{author}, the next read is a hit from Redis', async () => {
    const books = cachedBooks();
    const dune = await books.save({ title: 'Dune', author: 'Frank Herbert', publishedAt: published });
    await outboxDelivered();
    const before = books.getCacheStats();
    expect(await books.findByAuthor('Frank Herbert')).toEqual([dune]);
    await stored(bookKeys.byAuthor({ author: 'Frank Herbert' }));
    await client.$executeRawUnsafe('UPDATE "Book" SET title = ? WHERE id = ?', 'Changed behind the cache', dune.id);
    expect((await books.findByAuthor('Frank Herbert')).map((book) => book.title)).toEqual(['Dune']);
    const after = books.getCacheStats();
    expect({ misses: after.misses - before.misses, hits: after.hits - before.hits }).toEqual({ misses: 1, hits: 1 });
  });

  it(
    'an update that changes the author clears both authors’ lists and the book; the next reads ' + 'are fresh',
    async () => {
      const books = cachedBooks();
      const frankenstein = await books.save({ title: 'Frankenstein', author: 'Mary Shelley', publishedAt: published });
      const dracula = await books.save({ title: 'Dracula', author: 'Bram Stoker', publishedAt: published });
      await outboxDelivered();
      expect(await books.findByAuthor('Mary Shelley')).toEqual([frankenstein]);
      expect(await books.findByAuthor('Bram Stoker')).toEqual([dracula]);
      expect(await books.findById(frankenstein.id)).toEqual(frankenstein);
      const keys = [
        bookKeys.byAuthor({ author: 'Mary Shelley' }),
        bookKeys.byAuthor({ author: 'Bram Stoker' }),
        bookKeys.byId({ id: frankenstein.id }),
      ];
      await stored(...keys);

      const moved = await books.update(frankenstein.id, { author: 'Bram Stoker' });

      expect(await redis.exists(...keys.map(prefixed))).toBe(0);
      expect(await books.findByAuthor('Mary Shelley')).toEqual([]);
      expect(await books.findByAuthor('Bram Stoker')).toEqual([moved, dracula]);
      expect((await books.findById(frankenstein.id))?.author).toBe('Bram Stoker');
    },
  );

  describe('the outbox', () => {
    afterEach(async () => {
      await client.$executeRawUnsafe('DROP TRIGGER IF EXISTS book_test_outbox_audit');
      await client.$executeRawUnsafe('DROP TRIGGER IF EXISTS book_test_outbox_refused');
    });

    it('records the keys a Book write made stale, and they are delivered', async () => {
      const books = cachedBooks();
      const book = await books.save({ title: 'Kindred', author: 'Octavia E. Butler', publishedAt: published });
      // Delivered rows are deleted: a trigger keeps a copy of each row inserted.
      await client.$executeRawUnsafe('CREATE TABLE IF NOT EXISTS book_test_outbox_audit (keys TEXT NOT NULL)');
      await client.$executeRawUnsafe(
        'CREATE TRIGGER book_test_outbox_audit AFTER INSERT ON "CacheOutbox" BEGIN INSERT INTO ' +
          'book_test_outbox_audit (keys) VALUES (NEW.keys); END',
      );
      await books.update(book.id, { title: 'Kindred (2nd ed.)' });
      const audit = await client.$queryRawUnsafe<{ keys: string }[]>('SELECT keys FROM book_test_outbox_audit');
      expect(audit).toHaveLength(1);
      const recorded = JSON.parse(audit[0]?.keys ?? '[]') as string[];
      expect(recorded.sort()).toEqual(
        [bookKeys.all(), bookKeys.byAuthor({ author: 'Octavia E. Butler' }), bookKeys.byId({ id: book.id })].sort(),
      );
      // The deliverer removes the rows once Redis has them.
      await outboxDelivered();
    });

    it(
      'writes its row in the write’s own transaction: when the outbox INSERT fails, the Book ' +
        'UPDATE is rolled back',
      async () => {
        const books = cachedBooks();
        const book = await books.save({
          title: 'The Dispossessed',
          author: 'Ursula K. Le Guin',
          publishedAt: published,
        });
        await client.$executeRawUnsafe(
          `CREATE TRIGGER book_test_outbox_refused BEFORE INSERT ON "CacheOutbox" BEGIN SELECT ` +
            `RAISE(ABORT, 'outbox refused by the test'); END`,
        );
        // The trigger's abort (SQLITE_CONSTRAINT_TRIGGER) fails the outbox INSERT, whichever statement the write path
        // uses for it.
        await expect(books.update(book.id, { title: 'Never stored' })).rejects.toThrow(/outbox refused by the test/);
        expect(await storedTitle(book.id)).toBe('The Dispossessed');
      },
    );
  });

  it(
    'CACHE_DISABLED_ENTITIES=book serves the Book token from the Prisma repository; the other ' +
      'entities stay cached',
    async () => {
      const uncached = dataLayer({ CACHE_DISABLED_ENTITIES: 'book', CACHE_KEY_PREFIX: 'nobook' });
      const books = uncached.resolve(BOOK_REPOSITORY);
      expect(books).toBeInstanceOf(PrismaBookRepository);
      expect(isCached(books)).toBe(false);
      expect(uncached.resolve(TOKENS.HeroRepository)).toBeInstanceOf(CachedRepository);
      const book: Book = await books.save({ title: 'Solaris', author: 'Stanisław Lem', publishedAt: published });
      expect(await books.findByAuthor('Stanisław Lem')).toEqual([book]);
      expect(await books.findById(book.id)).toEqual(book);
      expect(await redis.keys('nobook:book*')).toEqual([]);
    },
  );
});
