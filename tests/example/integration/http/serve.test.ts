import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';
import { createTestDatabase, type TestDatabase } from '../../support/database';

const ROOT = join(__dirname, '..', '..', '..', '..');
const TOKEN = 'serve-test-token-0123456789';

/**
 * Resolves with the first match of `pattern` in the child's output, or rejects when it exits first or after
 * `timeoutMs`.
 */
function waitForOutput(
  child: ChildProcess,
  output: () => string,
  pattern: RegExp,
  timeoutMs: number,
): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const match = pattern.exec(output());
      if (match) {
        cleanup();
        resolve(match);
      }
      return match !== null;
    };
    const onExit = (): void => {
      cleanup();
      reject(new Error(`serve exited before printing ${pattern}:\n${output()}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`serve did not print ${pattern} within ${timeoutMs} ms:\n${output()}`));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout?.off('data', check);
      child.stderr?.off('data', check);
      child.off('exit', onExit);
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('exit', onExit);
    check();
  });
}

/** Starts `example/http/serve.ts` as `npm run serve` does, with `env` (unset variables removed); output collected. */
function startServe(env: Record<string, string | undefined>): { child: ChildProcess; output: () => string } {
  let output = '';
  const environment: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete environment[name];
  const started = spawn(
    process.execPath,
    [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(ROOT, 'example', 'http', 'serve.ts')],
    { cwd: ROOT, env: environment, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  started.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  started.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child: started, output: () => output };
}

/** True when something accepts a TCP connection on 127.0.0.1:`port`. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

// `npm run serve`'s entry as a process: migrates and seeds an empty database, warms, listens on
// loopback, answers, and stops cleanly on SIGTERM.
describe('example/http/serve.ts', () => {
  let redisServer: RedisServerHandle;
  let db: TestDatabase;
  let child: ChildProcess | null = null;

  beforeAll(async () => {
    redisServer = await startRedisServer();
    db = createTestDatabase();
  });
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await db?.close();
    await redisServer?.stop();
  });

  it('serves on 127.0.0.1 with the configured database and Redis, and exits 0 on SIGTERM', async () => {
    let output = '';
    child = spawn(
      process.execPath,
      [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(ROOT, 'example', 'http', 'serve.ts')],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          DATABASE_URL: db.url,
          REDIS_URL: redisServer.url,
          PORT: '0',
          CACHE_ADMIN_TOKEN: TOKEN,
          CACHE_WARMING_ENABLED: 'true',
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const running = child;
    const exited = new Promise<number | null>((resolve) => running.once('exit', (code) => resolve(code)));

    const [, base] = await waitForOutput(running, () => output, /listening on (http:\/\/127\.0\.0\.1:\d+)/, 90_000);
    expect(output).toMatch(/seeded an empty database/);
    expect(output).toMatch(/warm-up of \d+ queries/);

    const health = await fetch(`${base}/health/cache`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'healthy' });
    const stats = await fetch(`${base}/admin/cache/stats`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(stats.status).toBe(200);
    // The warm-up went through the cache: the leaderboard was loaded once.
    expect(((await stats.json()) as { methods: { method: string; misses: number }[] }).methods).toContainEqual(
      expect.objectContaining({ method: 'AchievementService.getLeaderboard', misses: 1 }),
    );

    running.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toMatch(/SIGTERM received, closing/);
  }, 120_000);

  it('without REDIS_URL, starts its own redis-server, says so, uses it, and stops it on SIGTERM', async () => {
    const serve = startServe({
      DATABASE_URL: db.url,
      REDIS_URL: undefined,
      REDIS_CLUSTER_NODES: undefined,
      REDIS_ENABLED: undefined,
      PORT: '0',
      CACHE_ADMIN_TOKEN: TOKEN,
      CACHE_WARMING_ENABLED: 'false',
      LOG_LEVEL: 'warn',
    });
    child = serve.child;
    const running = serve.child;
    const exited = new Promise<number | null>((resolve) => running.once('exit', (code) => resolve(code)));
    const [, port] = await waitForOutput(
      running,
      serve.output,
      /REDIS_URL is not set, so serve started its own redis-server on redis:\/\/127\.0\.0\.1:(\d+)/,
      90_000,
    );
    const [, base] = await waitForOutput(running, serve.output, /listening on (http:\/\/127\.0\.0\.1:\d+)/, 90_000);
    expect(await listening(Number(port))).toBe(true);
    // The cache runs on it: Redis answers and its dataset is validated.
    const health = await fetch(`${base}/health/cache`);
    expect(await health.json()).toMatchObject({ status: 'healthy' });
    expect(serve.output()).not.toMatch(/not ready after/);

    running.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(serve.output()).toMatch(/stopped its redis-server/);
    expect(await listening(Number(port))).toBe(false);
  }, 120_000);
});
