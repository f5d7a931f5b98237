import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { defineConfig } from 'prisma/config';

/** Where the database lives unless DATABASE_URL says otherwise (relative to the working directory). */
const DEFAULT_DATABASE_URL = 'file:./data/dev.db';

// The Prisma 6.19 CLI with the JavaScript engine and a driver adapter: no native engine download.
export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/schema.prisma',
  async adapter() {
    const url = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
    // better-sqlite3 creates the file but not its directory ("External error id#0" otherwise).
    const file = url.replace(/^file:/, '');
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    return new PrismaBetterSQLite3({ url });
  },
});
