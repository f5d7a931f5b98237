import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { defineConfig } from 'prisma/config';

/** Where the database lives unless DATABASE_URL says otherwise (relative to the working directory). */
const DEFAULT_DATABASE_URL = 'file:./data/dev.db';
const url = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
/** `postgres://` or `postgresql://` selects PostgreSQL; anything else is a SQLite `file:` URL. */
const postgres = /^postgres(ql)?:\/\//i.test(url);

// The Prisma 6.19 CLI with the JavaScript engine and a driver adapter: no native engine download.
// With a PostgreSQL URL the CLI works on the derived schema (generated/postgresql/schema.prisma,
// written by prisma/postgresql/derive.cjs from prisma/schema.prisma). Its `migrate deploy/dev` fail
// there with the stock adapter ("Column type 'name' could not be deserialized"): PostgreSQL databases
// are migrated by migrateDatabase (src/infrastructure/prisma/database.ts), not by the CLI.
export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: postgres ? 'generated/postgresql/schema.prisma' : 'prisma/schema.prisma',
  async adapter() {
    if (postgres) return new PrismaPg({ connectionString: url });
    // better-sqlite3 creates the file but not its directory ("External error id#0" otherwise).
    const file = url.replace(/^file:/, '');
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    return new PrismaBetterSQLite3({ url });
  },
});
