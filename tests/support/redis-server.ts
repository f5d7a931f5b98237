import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** A redis-server owned by a test: started on a free loopback port, stopped by PID. */
export interface RedisServerHandle {
  readonly port: number;
  readonly url: string;
  /** Stops the server (SIGTERM, then SIGKILL after 2 s). */
  stop(): Promise<void>;
  /** Sends a signal to the server process (SIGKILL, SIGSTOP, SIGCONT...). */
  signal(signal: NodeJS.Signals): void;
  /** Starts the server again on the same port after a stop or kill. */
  restart(): Promise<void>;
}

export const REDIS_SERVER_BINARY = process.env.REDIS_SERVER_BIN ?? 'redis-server';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForPing(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      if ((await probe.ping()) === 'PONG') return;
    } catch {
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    } finally {
      probe.disconnect();
    }
  }
}

/**
 * Starts a throwaway redis-server (no persistence) on a free loopback port.
 * @param extraArgs more redis-server arguments, e.g. ['--requirepass', 'secret']
 */
export async function startRedisServer(extraArgs: string[] = []): Promise<RedisServerHandle> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'redis-test-'));
  let child: ChildProcess | null = null;

  const launch = async (): Promise<void> => {
    child = spawn(REDIS_SERVER_BINARY, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs], {
      stdio: 'ignore',
    });
    child.unref();
    const exited = new Promise<never>((_, reject) => {
      child?.once('error', (error) => reject(new Error(`could not start ${REDIS_SERVER_BINARY}: ${error.message}`)));
    });
    await Promise.race([waitForPing(port, 5000), exited]);
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

  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
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
