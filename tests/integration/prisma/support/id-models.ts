import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { Client } from 'pg';
import { SqliteAdapterFactory } from '../../../../example/infrastructure/prisma/sqlite-adapter';
import { testDatabaseProvider, type TestDatabaseProvider } from '../../../example/support/database';

// A Prisma project of its own for the id tests (REDIS_CACHE.md section 8's advice for a test-only model): models with
// an Int id, a BigInt id and a composite id, generated once per schema into a cache directory under the system's
// temporary directory (reused by later runs: `prisma generate` takes a few seconds), on SQLite and PostgreSQL.

const ROOT_DIR = resolve(__dirname, '..', '..', '..', '..');

/** The models, written for SQLite; the PostgreSQL variant changes only the provider (as prisma/postgresql does). */
const MODELS = `
/// An Int id, as most Prisma schemas have (a blog's posts); @updatedAt exercises the raw UPDATE's own fields.
model Post {
  id        Int      @id @default(autoincrement())
  title     String
  authorId  Int
  published Boolean  @default(false)
  createdAt DateTime @default(now())
  updatedAt DateTime @updatedAt
  @@index([authorId])
}

/// A BigInt id (Snowflake-style ids beyond 2^53).
model Ledger {
  id        BigInt   @id
  label     String
  balance   Int
  createdAt DateTime @default(now())
}

/// A composite id: one row per user and article.
model Membership {
  userId    Int
  articleId Int
  role      String
  createdAt DateTime @default(now())
  @@id([userId, articleId])
}

/// A composite id of an Int and a String, in a table that also has a column named id (not its key).
model Translation {
  id        String @unique
  articleId Int
  locale    String
  text      String
  @@id([articleId, locale])
}

/// A user with a secret the cache must never hold.
model User {
  id           Int      @id @default(autoincrement())
  email        String   @unique
  passwordHash String
  createdAt    DateTime @default(now())
}
`;

function schema(provider: TestDatabaseProvider, output: string): string {
  const outbox = readFileSync(join(ROOT_DIR, 'src', 'prisma', 'outbox.prisma'), 'utf8');
  return [
    'generator client {',
    '  provider     = "prisma-client"',
    '  engineType   = "client"',
    `  output       = "${output}"`,
    '  moduleFormat = "cjs"',
    '}',
    'datasource db {',
    `  provider = "${provider}"`,
    '  url      = env("DATABASE_URL")',
    '}',
    MODELS,
    outbox,
  ].join('\n');
}

/** What a project of one provider gives a test: its client class and the SQL creating its tables. */
interface GeneratedProject {
  clientFile: string;
  initSql: string;
}

function prismaCli(dir: string, args: readonly string[], databaseUrl: string): Promise<string> {
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      [join(ROOT_DIR, 'scripts', 'prisma.cjs'), ...args],
      {
        cwd: dir,
        env: { ...process.env, PRISMA_PROJECT_DIR: dir, DATABASE_URL: databaseUrl },
        timeout: 180_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) =>
        error ? fail(new Error(`prisma ${args.join(' ')}: ${error.message}\n${stderr}\n${stdout}`)) : done(stdout),
    );
  });
}

/**
 * Generates the project (both providers' clients and table SQL) into a directory named by the schema's hash, unless a
 * previous run did. Built in a directory of its own and renamed into place, so concurrent test files never see half a
 * project.
 */
async function generatedProject(provider: TestDatabaseProvider): Promise<GeneratedProject> {
  const sqlite = schema('sqlite', '../generated/prisma');
  const postgres = schema('postgresql', './client');
  const hash = createHash('sha256').update(sqlite).update(postgres).digest('hex').slice(0, 16);
  const target = join(tmpdir(), `cachedrepo-id-models-${hash}`);
  if (!existsSync(join(target, 'complete'))) {
    const dir = mkdtempSync(join(tmpdir(), 'cachedrepo-id-models-build-'));
    mkdirSync(join(dir, 'prisma'));
    mkdirSync(join(dir, 'generated', 'postgresql'), { recursive: true });
    writeFileSync(join(dir, 'prisma', 'schema.prisma'), sqlite);
    writeFileSync(join(dir, 'generated', 'postgresql', 'schema.prisma'), postgres);
    writeFileSync(join(dir, 'prisma.config.ts'), readFileSync(join(ROOT_DIR, 'prisma.config.ts')));
    symlinkSync(join(ROOT_DIR, 'node_modules'), join(dir, 'node_modules'), 'dir');
    // As prisma/postgresql/derive.cjs: `generate` for PostgreSQL wants a PostgreSQL URL, `migrate diff` a SQLite one.
    await prismaCli(dir, ['generate'], 'file:./data/unused.db');
    await prismaCli(
      dir,
      ['generate', '--schema', 'generated/postgresql/schema.prisma'],
      'postgresql://x@127.0.0.1:1/x',
    );
    const diff = ['migrate', 'diff', '--from-empty', '--script', '--to-schema-datamodel'];
    writeFileSync(join(dir, 'sqlite.sql'), await prismaCli(dir, [...diff, 'prisma/schema.prisma'], 'file::memory:'));
    writeFileSync(
      join(dir, 'postgresql.sql'),
      await prismaCli(dir, [...diff, 'generated/postgresql/schema.prisma'], 'file::memory:'),
    );
    writeFileSync(join(dir, 'complete'), '');
    try {
      renameSync(dir, target);
    } catch {
      rmSync(dir, { recursive: true, force: true }); // another test file got there first
    }
  }
  return provider === 'postgresql'
    ? { clientFile: join(target, 'generated', 'postgresql', 'client', 'client.ts'), initSql: sqlOf(target, provider) }
    : { clientFile: join(target, 'generated', 'prisma', 'client.ts'), initSql: sqlOf(target, provider) };
}

function sqlOf(dir: string, provider: TestDatabaseProvider): string {
  const text = readFileSync(join(dir, `${provider}.sql`), 'utf8');
  // The CLI prints its banner on stdout before the script: the script starts at its first comment.
  return text.slice(Math.max(0, text.indexOf('--')));
}

/** A model delegate of the generated client, as loosely typed as a client loaded at run time is. */
export type LooseClient = Record<string, unknown> & {
  $disconnect(): Promise<void>;
  $transaction: (...args: never[]) => Promise<unknown>;
  $queryRawUnsafe<R = unknown>(query: string, ...values: unknown[]): Promise<R>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
  cacheOutbox: { findMany(args?: object): Promise<{ id: number; keys: string }[]> };
};

/** A fresh database of the pass's provider with the id models' tables, and a client on it. */
export interface IdModelsDatabase {
  provider: TestDatabaseProvider;
  prisma: LooseClient;
  close(): Promise<void>;
}

/** Creates the database (a SQLite file, or a PostgreSQL database on the pass's server) and connects a client. */
export async function createIdModelsDatabase(): Promise<IdModelsDatabase> {
  const provider = testDatabaseProvider();
  const project = await generatedProject(provider);
  const loaded = (await import(project.clientFile)) as { PrismaClient: new (options: object) => LooseClient };
  if (provider === 'sqlite') {
    const file = join(mkdtempSync(join(process.env.TEST_TMP_DIR ?? tmpdir(), 'ids-')), 'ids.db');
    const prisma = new loaded.PrismaClient({ adapter: new SqliteAdapterFactory(file) });
    // One statement per call: the SQLite driver prepares one statement at a time.
    for (const statement of project.initSql.split(/;\s*$/m).filter((text) => /\S/.test(text.replace(/--.*$/gm, ''))))
      await prisma.$executeRawUnsafe(statement);
    return { provider, prisma, close: () => prisma.$disconnect() };
  }
  const port = process.env.TEST_POSTGRES_PORT;
  if (!port) throw new Error("TEST_POSTGRES_PORT is not set: run through jest's postgresql project");
  const name = `ids_${randomUUID().replace(/-/g, '')}`;
  const admin = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  await query(admin, `CREATE DATABASE "${name}"`);
  const url = `postgresql://postgres@127.0.0.1:${port}/${name}`;
  await query(url, project.initSql);
  const prisma = new loaded.PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
  return {
    provider,
    prisma,
    close: async () => {
      await prisma.$disconnect();
      await query(admin, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

async function query(url: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
