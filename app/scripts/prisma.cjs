#!/usr/bin/env node
'use strict';
// Runs the project's own Prisma CLI offline and lets it exit promptly:
//   node scripts/prisma.cjs <prisma arguments...>
// Sets CHECKPOINT_DISABLE and PRISMA_HIDE_UPDATE_MESSAGE, preloads unref-timers.cjs, runs from
// the project root (where prisma.config.ts is) and exits with the CLI's exit code.
// DATABASE_URL defaults to the same file as prisma.config.ts: schema.prisma reads env("DATABASE_URL"),
// and when it is unset the CLI cannot read the schema and tries to download a query engine.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
// node_modules may be hoisted to the workspace root: resolve the CLI as Node would.
const cli = require.resolve('prisma/build/index.js', { paths: [root] });
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
