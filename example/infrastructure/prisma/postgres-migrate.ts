import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { projectRoot, runProjectScript } from './prisma-cli';
import { postgresTarget } from './postgres';

/**
 * PostgreSQL migrations, derived from prisma/schema.prisma (the one source of truth) instead of
 * a second hand-kept migrations directory:
 *
 * 1. prisma/postgresql/derive.cjs writes the PostgreSQL variant of the schema (a no-op when
 *    schema.prisma did not change);
 * 2. in one transaction, under an advisory lock (two deployments never migrate at once), the
 *    datamodel last applied is read from the `_cachedrepo_schema` table of the target schema;
 * 3. when it differs, the SQL is `prisma migrate diff --from-schema-datamodel <last applied>
 *    --to-schema-datamodel <current> --script` (or `--from-empty`; that script is precomputed in
 *    generated/postgresql/init.sql), applied in the same transaction together with the new record:
 *    PostgreSQL DDL is transactional, so a failed migration leaves nothing behind.
 *
 * Why not `prisma migrate deploy`: with the stock `@prisma/adapter-pg` 6.19 it fails on catalog
 * columns of type `name` ("Column type 'name' could not be deserialized"), and committed
 * PostgreSQL migrations would have to be written again for every schema change. The diff is
 * computed offline, from two schema files, so it needs no shadow database.
 *
 * Limit: a diff that would lose data (a dropped table or column, a changed type Prisma marks with
 * a warning) is refused unless `acceptDataLoss`; a rename is a drop plus an add to the diff, so
 * write such a change by hand (and record it by running this again with `acceptDataLoss`).
 */

/** Options of {@link migratePostgres}. */
export interface PostgresMigrateOptions {
  /** Drops the URL's schema first (not allowed for `public`). @default false */
  reset?: boolean;
  /** Applies a diff that drops tables or columns. @default false */
  acceptDataLoss?: boolean;
}

/** What a migration did. */
export interface PostgresMigration {
  /** The SQL applied, or null when the database already had this schema. */
  appliedSql: string | null;
}

const RECORD_TABLE = '_cachedrepo_schema';
const DERIVED_SCHEMA = path.join('generated', 'postgresql', 'schema.prisma');
const INIT_SQL = path.join('generated', 'postgresql', 'init.sql');
/** Statements and markers of a diff that can lose data. */
const DATA_LOSS = /\bDROP\s+(TABLE|COLUMN|SCHEMA)\b|^\s*-\s*You are about to|Warnings:/im;

/**
 * Brings the PostgreSQL database at `url` (its `?schema=`, default `public`, created when
 * missing) to the current prisma/schema.prisma.
 * @throws {Error} when the server cannot be reached, the diff would lose data (see
 *   `acceptDataLoss`), or the SQL fails (nothing is applied then). Messages never hold the URL.
 */
export async function migratePostgres(url: string, options: PostgresMigrateOptions = {}): Promise<PostgresMigration> {
  const { connectionString, schema } = postgresTarget(url);
  if (options.reset && schema === 'public')
    throw new Error('Refusing to reset the public schema: name a schema of its own with ?schema=');
  await runProjectScript(
    path.join('prisma', 'postgresql', 'derive.cjs'),
    [],
    {},
    'Deriving the PostgreSQL schema (prisma/postgresql/derive.cjs)',
  );
  const root = projectRoot();
  const datamodel = readFileSync(path.join(root, DERIVED_SCHEMA), 'utf8');
  const sha = createHash('sha256').update(datamodel).digest('hex');
  const client = new Client({ connectionString });
  await client.connect().catch((error: unknown) => {
    throw new Error(
      `Cannot connect to the PostgreSQL database of DATABASE_URL: ` +
        `${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  });
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`cachedrepo:migrate:${schema}`]);
    const quoted = `"${schema}"`;
    if (options.reset) await client.query(`DROP SCHEMA IF EXISTS ${quoted} CASCADE`);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    await client.query(`SET LOCAL search_path TO ${quoted}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS "${RECORD_TABLE}" (id SERIAL PRIMARY KEY, schema_sha256 TEXT ` +
        `NOT NULL, datamodel TEXT NOT NULL, applied_sql TEXT NOT NULL, applied_at TIMESTAMPTZ NOT ` +
        `NULL DEFAULT now())`,
    );
    const last = await client.query<{ schema_sha256: string; datamodel: string }>(
      `SELECT schema_sha256, datamodel FROM "${RECORD_TABLE}" ORDER BY id DESC LIMIT 1`,
    );
    const previous = last.rows[0];
    if (previous?.schema_sha256 === sha) {
      await client.query('COMMIT');
      return { appliedSql: null };
    }
    const sql = previous
      ? await diffFrom(previous.datamodel, root)
      : (initialSql(root) ?? (await diffFrom(null, root)));
    if (!options.acceptDataLoss && DATA_LOSS.test(sql)) {
      throw new Error(
        `The PostgreSQL migration would lose data (schema ${schema}); write it by hand or pass ` +
          `acceptDataLoss. SQL:\n${sql}`,
      );
    }
    await client.query(sql);
    await client.query(`INSERT INTO "${RECORD_TABLE}" (schema_sha256, datamodel, applied_sql) VALUES ($1, $2, $3)`, [
      sha,
      datamodel,
      sql,
    ]);
    await client.query('COMMIT');
    return { appliedSql: sql };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The precomputed `--from-empty` script, when derive.cjs wrote it from the current schema.prisma (its first line holds
 * that file's hash).
 */
function initialSql(root: string): string | null {
  const file = path.join(root, INIT_SQL);
  if (!existsSync(file)) return null;
  const text = readFileSync(file, 'utf8');
  const source = createHash('sha256')
    .update(readFileSync(path.join(root, 'prisma', 'schema.prisma')))
    .digest('hex');
  return text.startsWith(`-- schema-sha256: ${source}\n`) ? text : null;
}

/** `prisma migrate diff` from `previous` (a datamodel text, or null for an empty database) to the derived schema. */
async function diffFrom(previous: string | null, root: string): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cachedrepo-migrate-'));
  try {
    const from = previous === null ? ['--from-empty'] : ['--from-schema-datamodel', path.join(dir, 'previous.prisma')];
    if (previous !== null) writeFileSync(path.join(dir, 'previous.prisma'), previous);
    const args = ['migrate', 'diff', ...from, '--to-schema-datamodel', path.join(root, DERIVED_SCHEMA), '--script'];
    // Offline: see derive.cjs for why the CLI is given an in-memory SQLite URL here.
    return await runProjectScript(
      path.join('scripts', 'prisma.cjs'),
      args,
      { DATABASE_URL: 'file::memory:' },
      'prisma migrate diff (PostgreSQL)',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
