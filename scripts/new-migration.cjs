#!/usr/bin/env node
'use strict';
// Writes the next migration: the SQL that takes a database at the committed migrations to the
// current prisma/schema.prisma, in prisma/migrations/<UTC yyyymmddHHMMSS>_<name>/migration.sql.
//
//   npm run db:migration -w the example application -- <name> [--project-dir <dir>]
//   node scripts/new-migration.cjs <name> [--project-dir <dir>]
//
// --project-dir (or PRISMA_PROJECT_DIR) names the directory holding prisma/ and prisma.config.ts;
// default: this app. Prints what it wrote; writes nothing when the schema matches the migrations
// (exit 0); exits 1 with a message naming the failing step otherwise.
//
// Why not `prisma migrate dev` (REDIS_CACHE.md section 8, /work/shared/DESIGN.md "Prisma on
// these machines"): with the JS engine and the better-sqlite3 adapter it fails on an empty
// database (P1014), and its shadow database replays each migration through better-sqlite3's
// one-statement prepare() (P3006); `migrate diff --from-migrations` fails the same way, and
// --from-url / --from-schema-datasource are refused when prisma.config.ts defines an adapter.
// What works offline, with stock commands only:
//   1. `migrate deploy` the committed migrations into a throwaway SQLite file;
//   2. `db pull` that file into a throwaway schema (introspection: what the migrations built);
//   3. `migrate diff --from-schema-datamodel <pulled> --to-schema-datamodel prisma/schema.prisma --script`.
// Without committed migrations the base is empty (`--from-empty`).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const PRISMA = path.join(__dirname, 'prisma.cjs');
/** Longest one Prisma CLI step may take (each takes 2-3 s here). */
const STEP_TIMEOUT_MS = 120_000;
/** `migrate diff --exit-code`: 0 = no difference, 2 = a difference (1 = error). */
const DIFF_EMPTY = 0;
const DIFF_CHANGES = 2;

class UsageError extends Error {}

function parseArguments(argv) {
  let name;
  let projectDir = process.env.PRISMA_PROJECT_DIR || path.resolve(__dirname, '..');
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--project-dir') {
      projectDir = argv[i + 1];
      i += 1;
      if (!projectDir) throw new UsageError('--project-dir needs a directory');
    } else if (arg.startsWith('--project-dir=')) projectDir = arg.slice('--project-dir='.length);
    else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    else if (name === undefined) name = arg;
    else throw new UsageError(`one migration name expected, got ${JSON.stringify(name)} and ${JSON.stringify(arg)}`);
  }
  if (!name) throw new UsageError('a migration name is required, e.g. add_book');
  // Prisma's own folder names are snake_case; anything else in a folder name is trouble in a shell.
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (!slug) throw new UsageError(`the migration name ${JSON.stringify(name)} has no letter or digit`);
  return { slug, projectDir: path.resolve(projectDir) };
}

/** The migration folders (`<timestamp>_<name>`), in the order `migrate deploy` applies them. */
function committedMigrations(migrationsDir) {
  if (!fs.existsSync(migrationsDir)) return [];
  return fs
    .readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(migrationsDir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort();
}

/** Runs one Prisma CLI step through prisma.cjs in `projectDir`; returns its exit code, or throws with its output. */
function prisma(step, args, { projectDir, databaseUrl, okCodes = [0] }) {
  const result = spawnSync(process.execPath, [PRISMA, ...args], {
    cwd: projectDir,
    env: { ...process.env, PRISMA_PROJECT_DIR: projectDir, DATABASE_URL: databaseUrl },
    encoding: 'utf8',
    timeout: STEP_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
  });
  if (!result.error && okCodes.includes(result.status)) return result.status;
  const how = result.error
    ? result.error.message
    : `exit code ${result.status}${result.signal ? `, signal ${result.signal}` : ''}`;
  const output = [result.stderr, result.stdout]
    .filter((text) => text && text.trim())
    .join('\n')
    .trim();
  throw new Error(`${step} failed (prisma ${args.join(' ')}; ${how})${output ? `:\n${output}` : ''}`);
}

/** The `provider` of the schema's datasource block (only sqlite is supported: the throwaway base is a file). */
function datasourceProvider(schemaText) {
  const block = /datasource\s+\w+\s*\{([^}]*)\}/.exec(schemaText);
  const provider = block && /provider\s*=\s*"([^"]+)"/.exec(block[1]);
  return provider ? provider[1] : undefined;
}

/** `yyyymmddHHMMSS` in UTC, as Prisma names migration folders. */
function utcTimestamp(date) {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

function main() {
  const { slug, projectDir } = parseArguments(process.argv.slice(2));
  const schema = path.join(projectDir, 'prisma', 'schema.prisma');
  const migrationsDir = path.join(projectDir, 'prisma', 'migrations');
  if (!fs.existsSync(schema))
    throw new UsageError(
      `no Prisma schema at ${schema} (--project-dir names the directory holding prisma/ and prisma.config.ts)`,
    );
  const provider = datasourceProvider(fs.readFileSync(schema, 'utf8'));
  if (provider !== 'sqlite')
    throw new UsageError(`${schema}: datasource provider ${JSON.stringify(provider)} is not supported (sqlite only)`);
  const committed = committedMigrations(migrationsDir);

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'new-migration-'));
  try {
    const base = path.join(work, 'base.db');
    const databaseUrl = `file:${base}`;
    const context = { projectDir, databaseUrl };
    let from = ['--from-empty'];
    if (committed.length > 0) {
      prisma('Applying the committed migrations to a throwaway database', ['migrate', 'deploy'], context);
      const pulled = path.join(work, 'committed.prisma');
      fs.writeFileSync(pulled, `datasource db {\n  provider = "sqlite"\n  url      = env("DATABASE_URL")\n}\n`);
      prisma('Introspecting the migrated throwaway database', ['db', 'pull', '--schema', pulled], context);
      from = ['--from-schema-datamodel', pulled];
    }
    const sqlFile = path.join(work, 'migration.sql');
    const status = prisma(
      'Diffing the migrations against prisma/schema.prisma',
      ['migrate', 'diff', ...from, '--to-schema-datamodel', schema, '--script', '--exit-code', '--output', sqlFile],
      {
        ...context,
        okCodes: [DIFF_EMPTY, DIFF_CHANGES],
      },
    );
    if (status === DIFF_EMPTY) {
      console.log(`No change: ${schema} matches the ${committed.length} committed migration(s); nothing written.`);
      return;
    }
    const sql = fs.readFileSync(sqlFile, 'utf8');
    const folder = `${utcTimestamp(new Date())}_${slug}`;
    const last = committed[committed.length - 1];
    // deploy applies folders in name order: a new one must sort after every committed one.
    if (last !== undefined && folder <= last) {
      throw new Error(
        `the new folder ${folder} would sort before or at the last committed migration ${last} ` +
          `(clock behind, or one already made this second): not written`,
      );
    }
    const target = path.join(migrationsDir, folder);
    fs.mkdirSync(target, { recursive: true });
    const lock = path.join(migrationsDir, 'migration_lock.toml');
    if (!fs.existsSync(lock)) {
      fs.writeFileSync(
        lock,
        '# Please do not edit this file manually\n# It should be added in your version-control ' +
          'system (e.g., Git)\nprovider = "sqlite"\n',
      );
    }
    const file = path.join(target, 'migration.sql');
    fs.writeFileSync(file, sql, { flag: 'wx' });
    console.log(
      `Wrote ${file}:\n\n${sql.trim()}\n\nNext: regenerate the client (node scripts/prisma.cjs ` +
        `generate) and apply the migration (node scripts/prisma.cjs migrate deploy).`,
    );
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

try {
  main();
} catch (error) {
  const usage =
    error instanceof UsageError
      ? '\nUsage: node scripts/new-migration.cjs <name> [--project-dir <dir holding prisma/ and prisma.config.ts>]'
      : '';
  console.error(`new-migration: ${error.message}${usage}`);
  process.exit(1);
}
