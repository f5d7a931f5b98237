import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { Client } from 'pg';

/** A throwaway PostgreSQL cluster on a loopback port, for tests and benchmarks. */
export interface PostgresServerHandle {
  port: number;
  /** The cluster's data directory (removed by `stop`). */
  dir: string;
  /** The binaries used (initdb, postgres, psql). */
  binDir: string;
  /** A URL for `database` as the superuser `postgres` (trust authentication, no password). */
  url(database: string): string;
  /** Fast shutdown (SIGINT), SIGKILL after 10 s, then the directory is removed. */
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 30_000;

/** How {@link startPostgresServer} starts the server. */
export interface PostgresServerOptions {
  /**
   * More server settings (`name=value`, passed as `-c`), after the defaults, e.g. the logical decoding settings of
   * {@link LOGICAL_DECODING_SETTINGS}. @default none
   */
  settings?: readonly string[];
  /** More `initdb` arguments, e.g. `--wal-segsize=1` (1 MB WAL segments). @default none */
  initdbArgs?: readonly string[];
}

/** What change capture needs of a server (REDIS_CACHE.md, change capture): logical decoding and a few slots. */
export const LOGICAL_DECODING_SETTINGS: readonly string[] = [
  'wal_level=logical',
  'max_replication_slots=8',
  'max_wal_senders=8',
];

/**
 * Where initdb and postgres are: `PG_BIN_DIR`, else the newest /usr/lib/postgresql/<version>/bin
 * (Debian's layout, what scripts/setup.sh installs), else `pg_config --bindir`.
 * @throws {Error} saying how to install PostgreSQL when none is found.
 */
export function findPostgresBinDir(): string {
  const candidates: string[] = [];
  if (process.env.PG_BIN_DIR) candidates.push(process.env.PG_BIN_DIR);
  if (existsSync('/usr/lib/postgresql')) {
    const versions = readdirSync('/usr/lib/postgresql')
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((version) => join('/usr/lib/postgresql', version, 'bin')));
  }
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (pgConfig.status === 0) candidates.push(pgConfig.stdout.trim());
  const found = candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')));
  if (!found) {
    throw new Error(
      "PostgreSQL is not installed: run `npm run setup` as root (it installs Debian's " +
        'postgresql), or `apt-get install -y postgresql`, or set PG_BIN_DIR to the directory ' +
        'holding initdb and postgres.',
    );
  }
  return found;
}

/**
 * The user the cluster runs as: PostgreSQL refuses to run as root, so as root the cluster belongs
 * to the `postgres` user (created by the Debian package); otherwise to the current user.
 */
function clusterOwner(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0)
    throw new Error(
      'Running as root and there is no postgres user to run PostgreSQL as (install the postgresql package).',
    );
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * Starts a throwaway cluster: `initdb` (trust authentication, no fsync) in a new temporary
 * directory, then `postgres` on a free loopback port with durability off (fsync,
 * synchronous_commit and full_page_writes: nothing here must survive a crash). About 0.5 s on an
 * idle machine. The server is a child of this process; `stop` ends it.
 * @throws {Error} with the server's log when it does not start within 30 s.
 */
export async function startPostgresServer(options: PostgresServerOptions = {}): Promise<PostgresServerHandle> {
  const binDir = findPostgresBinDir();
  const owner = clusterOwner();
  const dir = mkdtempSync(join(tmpdir(), 'pg-test-'));
  const data = join(dir, 'data');
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const as = owner ?? {};
  const init = spawnSync(
    join(binDir, 'initdb'),
    [
      '-D',
      data,
      '-A',
      'trust',
      '-U',
      'postgres',
      '--no-sync',
      '-E',
      'UTF8',
      '--locale=C',
      ...(options.initdbArgs ?? []),
    ],
    { ...as, encoding: 'utf8' },
  );
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (exit ${String(init.status)}):\n${init.stderr || init.stdout}`);
  }
  const port = await freePort();
  const logFile = join(dir, 'postgres.log');
  const log = openSync(logFile, 'a');
  if (owner) chownSync(logFile, owner.uid, owner.gid);
  let child: ChildProcess;
  try {
    const settings = [
      'listen_addresses=127.0.0.1',
      `unix_socket_directories=${dir}`,
      'fsync=off',
      'synchronous_commit=off',
      'full_page_writes=off',
      'max_connections=300',
      ...(options.settings ?? []),
    ];
    child = spawn(
      join(binDir, 'postgres'),
      ['-D', data, '-p', String(port), ...settings.flatMap((setting) => ['-c', setting])],
      { ...as, stdio: ['ignore', log, log] },
    );
  } finally {
    closeSync(log);
  }
  child.unref();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = (database: string): string => `postgresql://postgres@127.0.0.1:${port}/${database}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilAccepting(url('postgres'), exited, logFile);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, dir, binDir, url, stop };
}

/**
 * A free loopback port (what the OS hands out for port 0). Not cachedrepo/testing's
 * freePort: jest's globalSetup, which imports this file, runs without the moduleNameMapper.
 */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/** Polls with a real connection until the server answers a query. */
async function waitUntilAccepting(url: string, exited: Promise<void>, logFile: string): Promise<void> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (gone)
      throw new Error(`postgres exited before accepting connections:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
    const client = new Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(
          `postgres did not accept connections within ${STARTUP_TIMEOUT_MS} ms ` +
            `(${String(error)}):\n${readFileSync(logFile, 'utf8').slice(-2000)}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
