#!/usr/bin/env node
'use strict';
// Derives the PostgreSQL variant of prisma/schema.prisma and generates its client:
//   node prisma/postgresql/derive.cjs            (from the app directory or anywhere)
// schema.prisma stays the one source of truth (models are written once, for SQLite); this copies
// it to generated/postgresql/schema.prisma with two changes, the datasource provider
// ("sqlite" -> "postgresql") and the generator output (generated/postgresql/client), then runs
// `prisma generate` on the copy and writes generated/postgresql/init.sql (`prisma migrate diff
// --from-empty --script`: the tables of an empty database, applied by migrateDatabase without
// another CLI run). Everything is skipped when the schema did not change since the last run
// (generated/postgresql/.schema-sha256). Why a second client: a generated Prisma client is bound
// to one provider, and the driver adapter must match it.
const { spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { existsSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const source = path.join(root, 'prisma', 'schema.prisma');
const outDir = path.join(root, 'generated', 'postgresql');
const derived = path.join(outDir, 'schema.prisma');
const stamp = path.join(outDir, '.schema-sha256');
const initSql = path.join(outDir, 'init.sql');

/** The PostgreSQL variant of a SQLite schema text. Throws when the schema has not the expected shape. */
function derive(text) {
  let datasources = 0;
  let generators = 0;
  const result = text
    .replace(/^(datasource\s+\w+\s*\{[^}]*?provider\s*=\s*)"sqlite"/m, (_, head) => {
      datasources += 1;
      return `${head}"postgresql"`;
    })
    .replace(/^(generator\s+client\s*\{[^}]*?output\s*=\s*)"[^"]*"/m, (_, head) => {
      generators += 1;
      return `${head}"./client"`;
    });
  if (datasources !== 1) throw new Error(`${source}: expected one datasource with provider = "sqlite"`);
  if (generators !== 1) throw new Error(`${source}: expected a generator client with an output`);
  return `// GENERATED from prisma/schema.prisma by prisma/postgresql/derive.cjs: do not edit.\n${result}`;
}

/**
 * Runs the CLI offline with `databaseUrl`. Neither command connects to a PostgreSQL server, but
 * each needs a different URL (both observed with Prisma 6.19): `generate` needs a PostgreSQL URL
 * (with a `file:` URL it tries to download a query engine), while `migrate diff` between schema
 * files connects its config's adapter anyway ("Can't reach database server" for a PostgreSQL URL),
 * which an in-memory SQLite database satisfies; the schema arguments name the PostgreSQL schema.
 */
function prisma(args, databaseUrl) {
  const result = spawnSync(process.execPath, [path.join(root, 'scripts', 'prisma.cjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: databaseUrl },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    throw new Error(`prisma ${args.join(' ')} failed (exit ${result.status}):\n${result.stderr || result.stdout}`);
  }
  return result.stdout;
}

function main() {
  const text = readFileSync(source, 'utf8');
  const hash = createHash('sha256').update(text).digest('hex');
  const current = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : '';
  const complete = existsSync(path.join(outDir, 'client', 'client.ts')) && existsSync(initSql);
  if (current === hash && complete && !process.argv.includes('--force')) return;
  mkdirSync(outDir, { recursive: true });
  writeFileSync(derived, derive(text));
  prisma(['generate', '--schema', derived], 'postgresql://offline@127.0.0.1:1/offline');
  const sql = prisma(
    ['migrate', 'diff', '--from-empty', '--to-schema-datamodel', derived, '--script'],
    'file::memory:',
  );
  writeFileSync(initSql, `-- schema-sha256: ${hash}\n${sql}`);
  writeFileSync(stamp, `${hash}\n`);
}

try {
  main();
} catch (error) {
  console.error(`prisma/postgresql/derive.cjs: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
