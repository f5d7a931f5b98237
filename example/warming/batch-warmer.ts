/**
 * Runs warm-up queries in batches: at most `batchSize` in flight, the next batch once the
 * previous one has settled, and none started after `timeoutMs`. A query still running at the
 * deadline is not awaited (its result is cached when it finishes, through the same read path
 * as any read); the report returns at the deadline.
 */

/** One warm-up query: a read through a cached repository or a decorated service method. */
export interface WarmTask {
  /** What it warms, e.g. the cache key `decks:list`. */
  name: string;
  run(): Promise<unknown>;
}

/** What a warm-up did. Durations are milliseconds. */
export interface WarmReport {
  startedAt: Date;
  durationMs: number;
  batchSize: number;
  timeoutMs: number;
  /** Batches started. */
  batches: number;
  /** Queries that completed, in order of completion. */
  warmed: string[];
  /** Queries that failed, with the error message (the rest went on). */
  failed: { name: string; error: string }[];
  /** Queries still running at the deadline (not awaited). */
  unfinished: string[];
  /** Queries not started because the deadline passed. */
  notStarted: string[];
  timedOut: boolean;
  /** Why nothing was warmed, when nothing could be (e.g. the cache is disabled). */
  skipped?: string;
}

/** Options of {@link warmInBatches}. */
export interface BatchOptions {
  /** Queries in flight at most (at least 1). */
  batchSize: number;
  /** Milliseconds after which no batch starts and the report is returned. */
  timeoutMs: number;
}

/** Runs `tasks` as described in the module comment. Never throws: failures are reported. */
export async function warmInBatches(tasks: readonly WarmTask[], options: BatchOptions): Promise<WarmReport> {
  const startedAt = new Date();
  const started = performance.now();
  const deadline = started + options.timeoutMs;
  const batchSize = Math.max(1, Math.floor(options.batchSize));
  const report: WarmReport = {
    startedAt,
    durationMs: 0,
    batchSize,
    timeoutMs: options.timeoutMs,
    batches: 0,
    warmed: [],
    failed: [],
    unfinished: [],
    notStarted: [],
    timedOut: false,
  };
  for (let first = 0; first < tasks.length; first += batchSize) {
    const remaining = deadline - performance.now();
    if (remaining <= 0) {
      report.timedOut = true;
      report.notStarted.push(...tasks.slice(first).map((task) => task.name));
      break;
    }
    report.batches += 1;
    const pending = new Set<string>();
    const runs = tasks.slice(first, first + batchSize).map(async (task) => {
      pending.add(task.name);
      try {
        await task.run();
        report.warmed.push(task.name);
      } catch (error) {
        report.failed.push({ name: task.name, error: error instanceof Error ? error.message : String(error) });
      } finally {
        pending.delete(task.name);
      }
    });
    if (!(await settledWithin(Promise.all(runs), remaining))) {
      report.timedOut = true;
      report.unfinished.push(...pending);
      report.notStarted.push(...tasks.slice(first + batchSize).map((task) => task.name));
      break;
    }
  }
  report.durationMs = performance.now() - started;
  return report;
}

/** True when `promise` settles within `ms` milliseconds (the timer never keeps the process alive). */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise.then(() => true), expired]);
  } finally {
    clearTimeout(timer);
  }
}
