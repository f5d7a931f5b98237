#!/usr/bin/env node
'use strict';
// Runs the project's own Prisma CLI offline and lets it exit promptly:
//   node scripts/prisma.cjs <prisma arguments...>
//   PRISMA_PROJECT_DIR=<dir> node scripts/prisma.cjs <prisma arguments...>   (another project directory)
// Sets CHECKPOINT_DISABLE and PRISMA_HIDE_UPDATE_MESSAGE, preloads unref-timers.cjs, runs from
// the project root (where prisma.config.ts is) and exits with the CLI's exit code.
// DATABASE_URL defaults to the same file as prisma.config.ts: schema.prisma reads env("DATABASE_URL"),
// and when it is unset the CLI cannot read the schema and tries to download a query engine.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const appRoot = path.resolve(__dirname, '..');
// PRISMA_PROJECT_DIR runs the CLI in another project directory (one holding prisma/ and
// prisma.config.ts, e.g. a copy made by a test or by scripts/new-migration.cjs); default: this app.
const root = process.env.PRISMA_PROJECT_DIR ? path.resolve(process.env.PRISMA_PROJECT_DIR) : appRoot;
// node_modules may be hoisted to the workspace root: resolve the CLI as Node would (the project's own first).
const cli = require.resolve('prisma/build/index.js', { paths: [root, appRoot] });
const preload = path.join(__dirname, 'unref-timers.cjs');
const DEFAULT_DATABASE_URL = 'file:./data/dev.db';
const preloadOption = `--require ${JSON.stringify(preload)}`;

const nodeOptions = [process.env.NODE_OPTIONS, preloadOption].filter(Boolean).join(' ');
const result = spawnSync(process.execPath, [cli, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    DATABASE_URL: process.env.DATABASE_URL || DEFAULT_DATABASE_URL,
    CHECKPOINT_DISABLE: '1',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    NODE_OPTIONS: nodeOptions,
  },
});

if (result.error) {
  console.error(`scripts/prisma.cjs: cannot run ${cli}: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? (result.signal ? 1 : 0));
