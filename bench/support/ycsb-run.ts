import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { percentile } from './harness';
import type { YcsbContenderName } from './ycsb-contenders';
import { countStaleReads, type LoggedRead, type LoggedWrite, type StaleCount } from './ycsb-stale';
import { sharedClockUs, type PhaseLog, type PhasePlan, type WorkloadName } from './ycsb-workload';

/** The merged result of one run (one contender, one workload, all processes). */
export interface YcsbRunResult {
  contender: YcsbContenderName;
  workload: WorkloadName;
  processes: number;
  /** Operations per second, summed over the processes. */
  throughput: number;
  reads: number;
  updates: number;
  errors: number;
  /** Milliseconds, over the operations of every process. */
  readP50Ms: number;
  readP99Ms: number;
  updateP50Ms: number;
  updateP99Ms: number;
  /** CPU of the worker processes per operation of the measured window, microseconds (`PhaseLog.cpuUs`). */
  cpuUsPerOperation: number;
  stale: StaleCount;
}

/** Timing of every run: warm-up then measurement, milliseconds. */
export interface RunTiming {
  clients: number;
  warmupMs: number;
  measureMs: number;
}

interface Worker {
  child: ChildProcess;
  request(message: object, answer: string): Promise<Record<string, unknown>>;
}

/** The databases a worker opens: the suite's, and its copy prepared for change capture (`YcsbDatabase`). */
export interface WorkerDatabases {
  url: string;
  capturedUrl: string;
}

function startWorker(index: number, databases: WorkerDatabases, redisUrl: string): Promise<Worker> {
  const child = fork(join(__dirname, 'ycsb-worker.ts'), [], {
    // YCSB_WORKER_NODE_ARGS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`, profiles the workers (bench/README.md).
    execArgv: ['--import', 'tsx', ...(process.env.YCSB_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean)],
    env: {
      ...process.env,
      DATABASE_URL: databases.url,
      CAPTURED_DATABASE_URL: databases.capturedUrl,
      REDIS_URL: redisUrl,
      YCSB_PROCESS_INDEX: String(index),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting: { answer: string; resolve(message: Record<string, unknown>): void; reject(error: Error): void }[] = [];
  child.on('message', (message: Record<string, unknown>) => {
    const next = waiting.shift();
    if (!next) return;
    if (message.type === next.answer) next.resolve(message);
    else next.reject(new Error(`ycsb worker ${index}: ${String(message.message ?? JSON.stringify(message))}`));
  });
  child.on('exit', (code) => {
    for (const next of waiting.splice(0)) next.reject(new Error(`ycsb worker ${index} exited (${code})`));
  });
  const worker: Worker = {
    child,
    request: (message, answer) =>
      new Promise((resolve, reject) => {
        waiting.push({ answer, resolve, reject });
        child.send(message);
      }),
  };
  return new Promise((resolve, reject) => {
    waiting.push({ answer: 'ready', resolve: () => resolve(worker), reject });
  });
}

function toWrites(logs: readonly PhaseLog[]): LoggedWrite[] {
  const writes: LoggedWrite[] = [];
  for (const { writeLog } of logs)
    for (let i = 0; i < writeLog.length; i += 4) {
      const end = writeLog[i + 3] as number;
      writes.push({
        record: writeLog[i] as number,
        version: writeLog[i + 1] as number,
        start: writeLog[i + 2] as number,
        end: end < 0 ? Infinity : end,
      });
    }
  return writes;
}

function toReads(logs: readonly PhaseLog[]): LoggedRead[] {
  const reads: LoggedRead[] = [];
  for (const { readLog } of logs)
    for (let i = 0; i < readLog.length; i += 3)
      reads.push({ record: readLog[i] as number, version: readLog[i + 1] as number, start: readLog[i + 2] as number });
  return reads;
}

function millis(latenciesUs: number[], p: number): number {
  if (latenciesUs.length === 0) return Number.NaN;
  return (
    percentile(
      latenciesUs.sort((a, b) => a - b),
      p,
    ) / 1000
  );
}

/** Merges the logs of the processes of one run. */
export function mergeRun(
  contender: YcsbContenderName,
  workload: WorkloadName,
  logs: readonly PhaseLog[],
): YcsbRunResult {
  const reads = logs.reduce((sum, log) => sum + log.reads, 0);
  const updates = logs.reduce((sum, log) => sum + log.updates, 0);
  const readLatencies = logs.flatMap((log) => log.readLatencyUs);
  const updateLatencies = logs.flatMap((log) => log.updateLatencyUs);
  return {
    contender,
    workload,
    processes: logs.length,
    throughput: logs.reduce((sum, log) => sum + (log.reads + log.updates) / (log.measuredMs / 1000), 0),
    reads,
    updates,
    errors: logs.reduce((sum, log) => sum + log.errors, 0),
    readP50Ms: millis(readLatencies, 50),
    readP99Ms: millis(readLatencies, 99),
    updateP50Ms: millis(updateLatencies, 50),
    updateP99Ms: millis(updateLatencies, 99),
    cpuUsPerOperation: logs.reduce((sum, log) => sum + log.cpuUs, 0) / (reads + updates),
    stale: countStaleReads(toWrites(logs), toReads(logs)),
  };
}

/** `processes` worker processes on one database and one Redis, started together for every run. */
export async function startWorkers(
  processes: number,
  databases: WorkerDatabases,
  redisUrl: string,
): Promise<{
  run(
    contender: YcsbContenderName,
    workload: WorkloadName,
    ids: readonly string[],
    prefix: string,
    timing: RunTiming,
  ): Promise<YcsbRunResult>;
  close(): Promise<void>;
}> {
  const workers = await Promise.all(
    Array.from({ length: processes }, (_, index) => startWorker(index, databases, redisUrl)),
  );
  return {
    run: async (contender, workload, ids, prefix, timing) => {
      await Promise.all(workers.map((worker) => worker.request({ type: 'build', contender, prefix }, 'built')));
      // Everyone starts together, a little after the message arrives.
      const startUs = sharedClockUs() + 200_000;
      const plan: Omit<PhasePlan, 'processIndex' | 'firstSequence'> = {
        workload,
        clients: timing.clients,
        ids,
        startUs,
        measureFromUs: startUs + timing.warmupMs * 1000,
        stopUs: startUs + (timing.warmupMs + timing.measureMs) * 1000,
      };
      const answers = await Promise.all(workers.map((worker) => worker.request({ type: 'go', plan }, 'done')));
      const logs = answers.map(({ file }) => {
        const log = JSON.parse(readFileSync(String(file), 'utf8')) as PhaseLog;
        rmSync(String(file), { force: true });
        return log;
      });
      return mergeRun(contender, workload, logs);
    },
    close: async () => {
      await Promise.all(
        workers.map(
          (worker) =>
            new Promise<void>((resolve) => {
              const timer = setTimeout(() => worker.child.kill('SIGKILL'), 5000);
              worker.child.once('exit', () => {
                clearTimeout(timer);
                resolve();
              });
              if (worker.child.connected) worker.child.send({ type: 'exit' });
              else worker.child.kill('SIGKILL');
            }),
        ),
      );
    },
  };
}
