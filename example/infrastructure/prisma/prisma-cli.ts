import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** Longest one Prisma CLI run may take before it is killed. */
const CLI_TIMEOUT_MS = 120_000;
/** CLI chatter that says nothing about a failure. */
const NOISE = /^(Loaded Prisma config from|Prisma config detected, skipping)/;

/** The directory holding package.json, prisma/ and scripts/ (found from this file, not from the cwd). */
export function projectRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'scripts', 'prisma.cjs')) && existsSync(path.join(dir, 'prisma', 'schema.prisma'))) {
      return dir;
    }
    if (path.dirname(dir) === dir)
      throw new Error(`Cannot find the project root (scripts/prisma.cjs) above ${__dirname}`);
  }
}

/**
 * Runs a Node script of the project (`scripts/prisma.cjs <args>`, `prisma/postgresql/derive.cjs`)
 * from the project root with `env` added to the environment; resolves with its standard output.
 * @param what names the run in errors, e.g. `prisma migrate deploy on file:./data/dev.db`
 *   (never a URL with a password).
 * @throws {Error} carrying the script's output when it fails or outlives 120 s.
 */
export function runProjectScript(
  script: string,
  args: readonly string[],
  env: Record<string, string>,
  what: string,
): Promise<string> {
  const root = projectRoot();
  return new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      [path.join(root, script), ...args],
      { cwd: root, env: { ...process.env, ...env }, timeout: CLI_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const output = [stderr, stdout]
          .map((text) =>
            text
              .split('\n')
              .filter((line) => line.trim() && !NOISE.test(line))
              .join('\n'),
          )
          .find(Boolean);
        const how = error.killed ? `was killed after ${CLI_TIMEOUT_MS} ms` : `failed (exit code ${String(error.code)})`;
        reject(new Error(`${what} ${how}:\n${output || error.message}`, { cause: error }));
      },
    );
  });
}
