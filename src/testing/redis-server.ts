import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { connect as connectTls } from 'node:tls';
import { join } from 'node:path';

/** A redis-server owned by a test: started on a free loopback port, stopped by PID. */
export interface RedisServerHandle {
  /** The port clients use: the TLS port when the server was started with `tls`. */
  readonly port: number;
  /** `redis://127.0.0.1:port`, or `rediss://127.0.0.1:port` for a TLS server. */
  readonly url: string;
  /** Stops the server (SIGTERM, then SIGKILL after 2 s). */
  stop(): Promise<void>;
  /** Sends a signal to the server process (SIGKILL, SIGSTOP, SIGCONT...). */
  signal(signal: NodeJS.Signals): void;
  /** Starts the server again on the same port after a stop or kill. */
  restart(): Promise<void>;
}

/** PEM files of a TLS server: its certificate and key, and the CA that signed the certificate. */
export interface RedisServerTlsFiles {
  certFile: string;
  keyFile: string;
  caFile: string;
}

/** How {@link startRedisServer} starts the server. */
export interface RedisServerOptions {
  /** More redis-server arguments, e.g. ['--requirepass', 'secret']. */
  args?: string[];
  /**
   * Serve TLS only: the plain port is closed (`--port 0`), the free port becomes `--tls-port`,
   * clients need no certificate (`--tls-auth-clients no`), and the readiness ping trusts `caFile`.
   */
  tls?: RedisServerTlsFiles;
  /**
   * What the server keeps in its directory across {@link RedisServerHandle.restart} (which
   * reuses the directory): `none` (the default: `--save ''`, `--appendonly no`, only a SAVE
   * by hand writes a snapshot); `rdb`: snapshots by hand (SAVE, BGSAVE) and at SIGTERM, no
   * automatic save points, so a test decides exactly what the snapshot holds; `aof`: as
   * `rdb`, plus an append-only file synced after every write (`--appendfsync always`).
   */
  persistence?: RedisPersistence;
}

/** See {@link RedisServerOptions.persistence}. */
export type RedisPersistence = 'none' | 'rdb' | 'aof';

function persistenceArgs(persistence: RedisPersistence): string[] {
  switch (persistence) {
    case 'none':
      return ['--save', '', '--appendonly', 'no'];
    // A save point no test run reaches (one change in a day): saving is on, so SIGTERM
    // saves, but no automatic BGSAVE changes the snapshot behind the test's back.
    case 'rdb':
      return ['--save', '86400 1', '--appendonly', 'no'];
    case 'aof':
      return ['--save', '86400 1', '--appendonly', 'yes', '--appendfsync', 'always'];
  }
}

export const REDIS_SERVER_BINARY = process.env.REDIS_SERVER_BIN ?? 'redis-server';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * One PING over a raw socket (TLS trusting `ca` when given): true on `+PONG`, or on `-NOAUTH`
 * from a server that wants a password (it is up). (An ioredis probe that failed to connect
 * leaves a 2 s disconnect timer behind, which keeps jest from exiting.)
 */
function pingOnce(port: number, ca?: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const socket =
      ca === undefined ? connect({ port, host: '127.0.0.1' }) : connectTls({ port, host: '127.0.0.1', ca });
    let reply = '';
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => finish(false));
    socket.on('error', () => finish(false));
    socket.on(ca === undefined ? 'connect' : 'secureConnect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG') || reply.startsWith('-NOAUTH'));
    });
  });
}

async function waitForPing(port: number, timeoutMs: number, caFile?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const ca = caFile === undefined ? undefined : readFileSync(caFile);
  while (!(await pingOnce(port, ca))) {
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Starts a throwaway redis-server on a free loopback port (no persistence unless
 * {@link RedisServerOptions.persistence} says otherwise).
 * @param options more redis-server arguments (e.g. ['--requirepass', 'secret']), or
 *   {@link RedisServerOptions} for a TLS server.
 * @throws {Error} when the server exits before answering (with the end of its log, e.g. a
 *   redis-server built without TLS rejecting `--tls-port`), or does not answer within 5 s.
 */
export async function startRedisServer(options: string[] | RedisServerOptions = []): Promise<RedisServerHandle> {
  const { args: extraArgs = [], tls, persistence = 'none' } = Array.isArray(options) ? { args: options } : options;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'redis-test-'));
  const logFile = join(dir, 'redis.log');
  const listenArgs = tls ? ['--port', '0', '--tls-port', String(port), ...tlsFileArgs(tls)] : ['--port', String(port)];
  let child: ChildProcess | null = null;

  const launch = async (): Promise<void> => {
    // The server logs to a file in its directory (not a pipe, which would keep Jest waiting), read when it fails to
    // start.
    const log = openSync(logFile, 'a');
    let started: ChildProcess;
    try {
      started = spawn(
        REDIS_SERVER_BINARY,
        [...listenArgs, '--bind', '127.0.0.1', ...persistenceArgs(persistence), '--dir', dir, ...extraArgs],
        {
          stdio: ['ignore', log, log],
        },
      );
    } finally {
      closeSync(log);
    }
    child = started;
    started.unref();
    let onError: ((error: Error) => void) | undefined;
    let onExit: ((code: number | null, signal: NodeJS.Signals | null) => void) | undefined;
    const failed = new Promise<never>((_, reject) => {
      onError = (error) => reject(new Error(`could not start ${REDIS_SERVER_BINARY}: ${error.message}`));
      onExit = (code, signal) =>
        reject(
          new Error(
            `${REDIS_SERVER_BINARY} exited (${signal ?? `code ${code}`}) before answering:\n${logTail(logFile)}`,
          ),
        );
      started.once('error', onError);
      started.once('exit', onExit);
    });
    try {
      await Promise.race([waitForPing(port, 5000, tls?.caFile), failed]);
    } finally {
      if (onError) started.off('error', onError);
      if (onExit) started.off('exit', onExit);
    }
  };

  const stopProcess = async (): Promise<void> => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGCONT');
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await launch();
  } catch (error) {
    await stopProcess();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    url: `${tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`,
    stop: async () => {
      await stopProcess();
      rmSync(dir, { recursive: true, force: true });
    },
    signal: (signal) => {
      (child as ChildProcess | null)?.kill(signal);
    },
    restart: async () => {
      await stopProcess();
      await launch();
    },
  };
}

function logTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-10).join('\n');
  } catch {
    return '(no log)';
  }
}

/** redis-server's TLS certificate arguments; clients are not asked for certificates (`--tls-auth-clients no`). */
export function tlsFileArgs(tls: RedisServerTlsFiles): string[] {
  return [
    ...['--tls-cert-file', tls.certFile, '--tls-key-file', tls.keyFile, '--tls-ca-cert-file', tls.caFile],
    ...['--tls-auth-clients', 'no'],
  ];
}
