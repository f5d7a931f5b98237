import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { ContentionReport } from './contention-worker';

export type { ContentionReport } from './contention-worker';

/** How {@link runContention} runs its workers. */
export interface ContentionOptions {
  databaseUrl: string;
  ids: readonly string[];
  workers: number;
  /** Updates per worker (or use `durationMs`). */
  updates?: number;
  /** Milliseconds each worker keeps updating. */
  durationMs?: number;
  /** `app`: createPrismaClient; `stock`: the stock better-sqlite3 adapter (SQLite only). @default 'app' */
  adapter?: 'app' | 'stock';
  /** Longest wait for all workers, in ms. @default 120000 */
  timeoutMs?: number;
}

const WORKER = join(__dirname, 'contention-worker.ts');

/**
 * Starts `workers` processes of contention-worker.ts at once on one database and resolves with
 * their reports.
 * @throws {Error} with the worker's stderr when one exits without a report or outlives `timeoutMs`.
 */
export async function runContention(options: ContentionOptions): Promise<ContentionReport[]> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const runs = Array.from({ length: options.workers }, (_, index) => runWorker(`w${index}`, options, timeoutMs));
  return Promise.all(runs);
}

function runWorker(name: string, options: ContentionOptions, timeoutMs: number): Promise<ContentionReport> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_OPTIONS: '',
      DATABASE_URL: options.databaseUrl,
      CONTENTION_IDS: options.ids.join(','),
      CONTENTION_WORKER: name,
      CONTENTION_ADAPTER: options.adapter ?? 'app',
      ...(options.updates !== undefined && { CONTENTION_UPDATES: String(options.updates) }),
      ...(options.durationMs !== undefined && { CONTENTION_DURATION_MS: String(options.durationMs) }),
    };
    const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), WORKER], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => void (stderr = (stderr + chunk.toString()).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').pop();
      if (code === 0 && line) return resolve(JSON.parse(line) as ContentionReport);
      reject(
        new Error(
          `contention worker ${name} exited (${signal ?? `code ${String(code)}`}) without a report:\n${stderr}`,
        ),
      );
    });
  });
}

/**
 * Checks that the transitions the workers saw for one row form one history: each update's
 * before-state is the after-state of exactly one other update (or the initial state), so no two
 * updates claim to have replaced the same row and none read a row older than the one it
 * replaced. Returns the problems found (none when the history is whole).
 */
export function historyProblems(
  initial: string,
  final: string,
  transitions: ContentionReport['transitions'],
): string[] {
  const byBefore = new Map<string, string[]>();
  for (const { before, after } of transitions) byBefore.set(before, [...(byBefore.get(before) ?? []), after]);
  const problems: string[] = [];
  for (const [before, afters] of byBefore)
    if (afters.length > 1)
      problems.push(`${afters.length} updates replaced ${JSON.stringify(before)}: ${afters.join(', ')}`);
  let state = initial;
  let steps = 0;
  while (byBefore.has(state) && steps <= transitions.length) {
    state = (byBefore.get(state) as string[])[0] as string;
    steps += 1;
  }
  if (steps !== transitions.length)
    problems.push(`the chain from ${JSON.stringify(initial)} has ${steps} of ${transitions.length} updates`);
  if (state !== final)
    problems.push(`the chain ends at ${JSON.stringify(state)}, the row holds ${JSON.stringify(final)}`);
  return problems;
}
