import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { WorkerRequest, WorkerResponse } from './cache-worker';

type Op = WorkerRequest['op'];
type ArgsOf<O extends Op> = Extract<WorkerRequest, { op: O }>['args'];

/** A running cache-worker child process (see tests/support/cache-worker.ts). */
export interface CacheWorker {
  readonly name: string;
  readonly pid: number;
  /**
   * Sends one request and waits for its answer. @throws {Error} when the worker fails it, exits, or does not answer in
   * time
   */
  request<O extends Op>(op: O, ...args: ArgsOf<O>): Promise<unknown>;
  /** Kills the process (SIGKILL) if it is still running, and waits for it to exit. */
  kill(): Promise<void>;
}

/**
 * Settings a worker reads from its environment (see tests/support/cache-worker.ts); unset, the worker behaves as it did
 * before they existed.
 */
export interface CacheWorkerEnv {
  CACHE_OUTBOX?: 'on' | 'off';
  CACHE_OUTBOX_POLL_MS?: string;
  CACHE_COMMAND_TIMEOUT_MS?: string;
  CACHE_BREAKER_PROBE_MS?: string;
  CACHE_BREAKER_FAILURES?: string;
  /** Seeds of a Redis Cluster: the worker connects with createRedisCluster instead of REDIS_URL. */
  REDIS_CLUSTER_NODES?: string;
  /** The hero strategy's near cache (cache-worker.ts; default on). */
  NEAR_CACHE?: 'on' | 'off';
}

/** How {@link startCacheWorker} starts a worker. */
export interface CacheWorkerOptions {
  /** Longest wait for start-up and for each answer, in ms. @default 15000 */
  timeoutMs?: number;
  /** More environment for this worker only. */
  env?: CacheWorkerEnv;
}

const WORKER = join(__dirname, 'cache-worker.ts');

/**
 * Spawns a cache worker on `redisUrl` (a redis-server, or a proxy in front of one) and
 * `databaseUrl` and waits until it is ready.
 */
export async function startCacheWorker(
  name: string,
  redisUrl: string,
  databaseUrl: string,
  options: CacheWorkerOptions = {},
): Promise<CacheWorker> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ['--require', require.resolve('tsx/cjs'), WORKER],
    {
      env: { ...process.env, ...options.env, REDIS_URL: redisUrl, DATABASE_URL: databaseUrl, NODE_OPTIONS: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => void (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let ready: (() => void) | null = null;
  const failAll = (why: string): void => {
    for (const waiter of pending.values()) waiter.reject(new Error(`worker ${name}: ${why}\n${stderr}`));
    pending.clear();
  };
  void exited.then(() => failAll(`exited (code ${String(child.exitCode)}, signal ${String(child.signalCode)})`));

  createInterface({ input: child.stdout }).on('line', (line) => {
    const message = JSON.parse(line) as WorkerResponse | { ready: true };
    if ('ready' in message) return ready?.();
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.ok) waiter?.resolve(message.result);
    else waiter?.reject(new Error(`worker ${name}: ${message.error}`));
  });

  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  const started = await Promise.race([
    new Promise<boolean>((resolve) => (ready = () => resolve(true))),
    exited.then(() => false),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref()),
  ]);
  if (!started) {
    await kill();
    throw new Error(`worker ${name} did not start:\n${stderr}`);
  }

  let nextId = 0;
  return {
    name,
    pid: child.pid as number,
    kill,
    request: (op, ...args) =>
      new Promise((resolve, reject) => {
        const id = ++nextId;
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`worker ${name}: no answer to ${op} within ${timeoutMs} ms`));
        }, timeoutMs);
        const settle =
          <A>(fn: (a: A) => void) =>
          (a: A): void => {
            clearTimeout(timer);
            fn(a);
          };
        pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
        child.stdin.write(`${JSON.stringify({ id, op, args })}\n`);
      }),
  };
}
