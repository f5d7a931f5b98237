import { execFile } from 'node:child_process';
import { appendFileSync, copyFileSync, cpSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import type { PrismaClient } from '../../../generated/prisma/client';

// The command-line half of REDIS_CACHE.md section 8 ("Adding an entity"), run for real on a
// copy of the app's Prisma project: add a model to schema.prisma, write its migration with
// `npm run db:migration`, generate the client, apply the migrations, load the client.

/** The repository root: holds prisma/, prisma.config.ts, scripts/ and node_modules. */
const ROOT_DIR = resolve(__dirname, '..', '..', '..');
/** Longest one CLI command may take: each runs 2-20 s here, more on a loaded machine. */
const COMMAND_TIMEOUT_MS = 180_000;

/** What a command printed and how it ended. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command without a shell; resolves with its exit code (never rejects on a non-zero one). */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<CommandResult> {
  return new Promise((done, fail) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: { ...process.env, ...options.env },
        timeout: COMMAND_TIMEOUT_MS,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number')
          return fail(new Error(`${command} ${args.join(' ')}: ${error.message}\n${stderr}`, { cause: error }));
        done({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

/** Runs a command and fails with its output unless it exits with 0. */
async function runOk(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<CommandResult> {
  const result = await run(command, args, options);
  if (result.code !== 0)
    throw new Error(`${command} ${args.join(' ')} exited with ${result.code}:\n${result.stderr}\n${result.stdout}`);
  return result;
}

/** `npm run db:migration -- <name> --project-dir <dir>`, from the repository root. */
export function runDbMigration(projectDir: string, name: string): Promise<CommandResult> {
  return run('npm', ['run', 'db:migration', '--', name, '--project-dir', projectDir], { cwd: ROOT_DIR });
}

/** `node scripts/prisma.cjs <args>` run in `projectDir` (PRISMA_PROJECT_DIR). */
function prisma(projectDir: string, args: readonly string[], env: Record<string, string> = {}): Promise<CommandResult> {
  return runOk(process.execPath, [join(ROOT_DIR, 'scripts', 'prisma.cjs'), ...args], {
    cwd: projectDir,
    env: { PRISMA_PROJECT_DIR: projectDir, ...env },
  });
}

/** The migration folders of a project, in the order `migrate deploy` applies them. */
export function migrationFolders(projectDir: string): string[] {
  return readdirSync(join(projectDir, 'prisma', 'migrations'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/** A copy of the app's Prisma project (prisma/ and prisma.config.ts) in a temporary directory. */
export function copyAppPrismaProject(): string {
  const dir = mkdtempSync(join(process.env.TEST_TMP_DIR ?? tmpdir(), 'extension-'));
  cpSync(join(ROOT_DIR, 'prisma'), join(dir, 'prisma'), { recursive: true });
  copyFileSync(join(ROOT_DIR, 'prisma.config.ts'), join(dir, 'prisma.config.ts'));
  // prisma.config.ts and the generated client import packages: a project has node_modules.
  symlinkSync(join(ROOT_DIR, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/** The project after the walkthrough's commands: a migration written, a client generated, a database migrated. */
export interface ExtensionProject {
  dir: string;
  /** Migration folders before `db:migration` ran. */
  committedBefore: string[];
  /** What `db:migration` printed. */
  migrationOutput: string;
  /** The `file:` URL of the migrated SQLite database. */
  databaseUrl: string;
  /** The generated client's constructor, loaded at run time. */
  PrismaClient: new (options: { adapter: PrismaBetterSQLite3 }) => PrismaClient;
  /** Removes the directory. */
  remove(): void;
}

/**
 * Adds `model` to a copy of the app's schema, then runs the walkthrough's commands there:
 * `npm run db:migration -- <migrationName>`, `prisma generate`, `prisma migrate deploy` on a
 * new SQLite file, and loads the generated client.
 * @throws {Error} carrying a command's output when it fails
 */
export async function createExtensionProject(model: string, migrationName: string): Promise<ExtensionProject> {
  const dir = copyAppPrismaProject();
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    const committedBefore = migrationFolders(dir);
    appendFileSync(join(dir, 'prisma', 'schema.prisma'), model);
    const migration = await runDbMigration(dir, migrationName);
    if (migration.code !== 0)
      throw new Error(`db:migration exited with ${migration.code}:\n${migration.stderr}\n${migration.stdout}`);
    await prisma(dir, ['generate']);
    const databaseUrl = `file:${join(dir, 'data', 'test.db')}`;
    await prisma(dir, ['migrate', 'deploy'], { DATABASE_URL: databaseUrl });
    return {
      dir,
      committedBefore,
      migrationOutput: migration.stdout,
      databaseUrl,
      PrismaClient: await loadGeneratedClient(dir),
      remove,
    };
  } catch (error) {
    remove();
    throw error;
  }
}

/** The PrismaClient class generated into `<dir>/generated/prisma` (schema.prisma's `output`). */
async function loadGeneratedClient(dir: string): Promise<ExtensionProject['PrismaClient']> {
  const file = join(dir, 'generated', 'prisma', 'client.ts');
  const loaded: unknown = await import(file);
  if (!isClientModule(loaded)) throw new Error(`${file} exports no PrismaClient class`);
  return loaded.PrismaClient;
}

function isClientModule(value: unknown): value is { PrismaClient: ExtensionProject['PrismaClient'] } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { PrismaClient?: unknown }).PrismaClient === 'function'
  );
}
