import { describeVersion, versionOf, versionOfDescription } from './ycsb-stale';
import { ZipfianGenerator } from './ycsb-zipfian';
import type { YcsbContender } from './ycsb-contenders';

/** YCSB's core workloads A, B and C: the share of reads (the rest are updates of one field). */
export const WORKLOADS = {
  A: { readShare: 0.5, title: 'YCSB A (50 % read, 50 % update)' },
  B: { readShare: 0.95, title: 'YCSB B (95 % read, 5 % update)' },
  C: { readShare: 1, title: 'YCSB C (100 % read)' },
} as const;

export type WorkloadName = keyof typeof WORKLOADS;

/**
 * Microseconds on a clock the processes of one machine share: process.hrtime reads CLOCK_MONOTONIC on Linux (libuv's
 * uv_hrtime; mach_absolute_time on macOS, QueryPerformanceCounter on Windows), one clock for the whole machine, as
 * the near-invalidation suite relies on too. (`performance.timeOrigin + performance.now()` would also be shared, but
 * only to within the wall clock's drift between the processes' starts.)
 */
export function sharedClockUs(): number {
  return Number(process.hrtime.bigint()) / 1000;
}

/** What one process measured in one run. Logs are flat arrays of (record, version, start[, end]) for compactness. */
export interface PhaseLog {
  /** Operations completed in the measured window (after the warm-up). */
  reads: number;
  updates: number;
  errors: number;
  /** Latencies of the measured window, microseconds. */
  readLatencyUs: number[];
  updateLatencyUs: number[];
  /** Every read of the run, warm-up included: record, version, start (shared clock, µs). */
  readLog: number[];
  /** Every update of the run, warm-up included: record, version, start, end (`-1` when it failed). */
  writeLog: number[];
  /** The measured window's length, milliseconds. */
  measuredMs: number;
  /**
   * CPU time of this process (user + system, `process.cpuUsage`) from the start of the measured window to the end of
   * the run, microseconds: the contender's own cost per operation, which throughput alone hides on a shared CPU.
   */
  cpuUs: number;
}

export interface PhasePlan {
  workload: WorkloadName;
  /** Concurrent clients (each one operation in flight at a time). */
  clients: number;
  /** Ids of records 0..n-1 (record 0 the most popular). */
  ids: readonly string[];
  /** Shared-clock microseconds: warm-up starts, measuring starts, everything stops. */
  startUs: number;
  measureFromUs: number;
  stopUs: number;
  processIndex: number;
  /** Where this process's update sequence starts (versions stay unique across the runs of one process). */
  firstSequence: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * Runs `plan.clients` closed-loop clients against `contender` from `startUs` to `stopUs` (shared clock): each draws
 * a record with the Zipfian generator (0.99, unscrambled) and reads it or writes a new version into its description.
 * @returns the log, and the next unused update sequence number
 */
export async function runPhase(
  contender: YcsbContender,
  plan: PhasePlan,
): Promise<{ log: PhaseLog; nextSequence: number }> {
  const { readShare } = WORKLOADS[plan.workload];
  const zipf = new ZipfianGenerator(plan.ids.length);
  const log: PhaseLog = {
    reads: 0,
    updates: 0,
    errors: 0,
    readLatencyUs: [],
    updateLatencyUs: [],
    readLog: [],
    writeLog: [],
    measuredMs: (plan.stopUs - plan.measureFromUs) / 1000,
    cpuUs: 0,
  };
  let sequence = plan.firstSequence;
  // An operation counts (throughput, latency) when it completes inside the measured window, as YCSB counts them.
  const inWindow = (end: number): boolean => end >= plan.measureFromUs && end <= plan.stopUs;
  await sleep((plan.startUs - sharedClockUs()) / 1000);
  // Taken by the first operation of the measured window (a timer could starve: a contender answering from memory
  // resolves in microtasks only, and the loop never reaches its timers phase).
  let cpuAtWindow: NodeJS.CpuUsage | null = null;
  const client = async (): Promise<void> => {
    for (;;) {
      const start = sharedClockUs();
      if (start >= plan.stopUs) return;
      if (cpuAtWindow === null && start >= plan.measureFromUs) cpuAtWindow = process.cpuUsage();
      const record = zipf.next();
      const id = plan.ids[record] as string;
      if (Math.random() < readShare) {
        try {
          const hero = await contender.read(id);
          const end = sharedClockUs();
          log.readLog.push(record, versionOfDescription(hero?.description), start);
          if (inWindow(end)) {
            log.reads += 1;
            log.readLatencyUs.push(end - start);
          }
        } catch {
          if (inWindow(sharedClockUs())) log.errors += 1;
        }
      } else {
        const version = versionOf(plan.processIndex, sequence);
        sequence += 1;
        let end = -1;
        try {
          await contender.update(id, describeVersion(version));
          end = sharedClockUs();
          if (inWindow(end)) {
            log.updates += 1;
            log.updateLatencyUs.push(end - start);
          }
        } catch {
          if (inWindow(sharedClockUs())) log.errors += 1;
        }
        log.writeLog.push(record, version, start, end);
      }
    }
  };
  await Promise.all(Array.from({ length: plan.clients }, client));
  const cpu = process.cpuUsage(cpuAtWindow ?? undefined);
  log.cpuUs = cpuAtWindow === null ? Number.NaN : cpu.user + cpu.system;
  return { log, nextSequence: sequence };
}
