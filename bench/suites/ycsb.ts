import { loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { startRedisServer } from 'cachedrepo/testing';
import type { SuiteResult } from '../support/report';
import { contendersFor, LIBRARY_MODE, YCSB_NAMES, type YcsbContenderName } from '../support/ycsb-contenders';
import { postgresYcsbDatabase, sqliteYcsbDatabase, type YcsbDatabase } from '../support/ycsb-databases';
import { reportConfiguration, targetNotes, type YcsbConfiguration } from '../support/ycsb-report';
import { startWorkers, type RunTiming } from '../support/ycsb-run';
import { WORKLOADS, type WorkloadName } from '../support/ycsb-workload';

/**
 * YCSB core workloads A (50 % read / 50 % update), B (95 / 5) and C (read only) over the example's heroes: 1,000
 * records, requests drawn from a Zipfian distribution (constant 0.99, unscrambled: bench/support/ycsb-zipfian.ts),
 * 64 closed-loop clients per process, in 1 and in 4 processes started together, on SQLite and on PostgreSQL, one
 * redis-server. Each contender gets a warm-up then a measured window, on freshly reset records and an empty Redis.
 * Reported per run: throughput (summed over processes), p50/p99 per operation type, the workers' CPU per operation
 * (microseconds of user + system time in the measured window, per operation completed in it), and stale reads (a
 * read that started after an update of its record had completed and returned an older version:
 * bench/support/ycsb-stale.ts), counted over the warm-up and the measured window of every process on one shared clock.
 *
 * Environment (for longer or narrower runs): YCSB_MEASURE_MS (default 2000), YCSB_WARMUP_MS (1000), YCSB_CLIENTS
 * (64), YCSB_RECORDS (1000), YCSB_PROCESSES (`1,4`), YCSB_DATABASES (`sqlite,postgresql`), YCSB_WORKLOADS
 * (`A,B,C`), YCSB_CONTENDERS (comma-separated parts of the contenders' names, e.g. `redis only,bento`: the contenders
 * whose names contain one; plain Prisma always runs), YCSB_WORKER_NODE_ARGS (Node options of the workers).
 */
const env = process.env;
const RECORDS = Number(env.YCSB_RECORDS ?? 1000);
const TIMING: RunTiming = {
  clients: Number(env.YCSB_CLIENTS ?? 64),
  warmupMs: Number(env.YCSB_WARMUP_MS ?? 1000),
  measureMs: Number(env.YCSB_MEASURE_MS ?? 2000),
};
const list = (value: string | undefined, fallback: string): string[] =>
  (value ?? fallback)
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
const PROCESS_COUNTS = list(env.YCSB_PROCESSES, '1,4').map(Number);
const DATABASES = list(env.YCSB_DATABASES, 'sqlite,postgresql');
const WORKLOAD_NAMES = list(env.YCSB_WORKLOADS, 'A,B,C').filter((name): name is WorkloadName => name in WORKLOADS);
const ONLY = env.YCSB_CONTENDERS ? list(env.YCSB_CONTENDERS.toLowerCase(), '') : null;

const progress = (line: string): void => void process.stderr.write(`ycsb: ${line}\n`);

function contenders(processes: number, workloadIndex: number): YcsbContenderName[] {
  const names = contendersFor(processes).filter(
    (name) => !ONLY || name === YCSB_NAMES.prisma || ONLY.some((part) => name.toLowerCase().includes(part)),
  );
  // A rotating start, so that drift (JIT, the other processes on the machine) hits each contender alike.
  const shift = workloadIndex % names.length;
  return [...names.slice(shift), ...names.slice(0, shift)];
}

async function openDatabase(kind: string): Promise<YcsbDatabase | { skipped: string }> {
  if (kind === 'sqlite') return sqliteYcsbDatabase(RECORDS);
  if (kind === 'postgresql') return postgresYcsbDatabase(RECORDS);
  return { skipped: `unknown database ${kind} (YCSB_DATABASES takes sqlite and postgresql)` };
}

export default async function ycsb(): Promise<SuiteResult> {
  const started = Date.now();
  const loadBefore = loadavg();
  const server = await startRedisServer();
  const redis = new Redis(server.url);
  const result: SuiteResult = {
    suite: 'ycsb',
    title: 'YCSB A, B and C: throughput, latency and stale reads beside BentoCache and cache-manager',
    durationMs: 0,
    tables: [],
    charts: [],
    figures: {},
    notes: [
      `${RECORDS} records (heroes), Zipfian 0.99 (unscrambled), ${TIMING.clients} clients per process, ` +
        `${TIMING.warmupMs} ms warm-up then ${TIMING.measureMs} ms measured per run, records reset and Redis ` +
        'flushed before each run; stale reads counted over warm-up and measured window',
      `the library ran in ${LIBRARY_MODE}`,
      'peers: BentoCache getOrSet (memory L1 + Redis L2; in 4 processes also with its Redis bus), cache-manager 7 ' +
        'wrap over Keyv + @keyv/redis (and Keyv memory in front); their updates write the row then delete the key',
      'near caches across processes: with the invalidation fence (on by default, CACHE_NEAR_CACHE_FENCE) the guide ' +
        '(section 11) promises freshness to a read that starts after the write returned; any stale read counts here',
    ],
  };
  let runNumber = 0;
  try {
    for (const kind of DATABASES) {
      const database = await openDatabase(kind);
      if ('skipped' in database) {
        result.notes.push(`${kind} skipped: ${database.skipped}`);
        continue;
      }
      try {
        for (const processes of PROCESS_COUNTS) {
          const workers = await startWorkers(processes, database, server.url);
          const config: YcsbConfiguration = {
            database: database.kind,
            databaseLabel: database.label,
            processes,
            clients: TIMING.clients,
            runs: [],
          };
          try {
            // The processes' own warm-up (Prisma, the clients' loop), unmeasured, before their first contender.
            await workers.run(YCSB_NAMES.prisma, 'B', database.ids, 'ycsb-warm-up', { ...TIMING, measureMs: 1000 });
            const plan = WORKLOAD_NAMES.flatMap((workload, index) =>
              contenders(processes, index).map((contender) => ({ workload, contender })),
            );
            // The counter's end-to-end self-check: a cache that never invalidates must read stale.
            if (WORKLOAD_NAMES.includes('A')) plan.push({ workload: 'A', contender: YCSB_NAMES.neverInvalidates });
            for (const { workload, contender } of plan) {
              await database.reset();
              await redis.flushall();
              runNumber += 1;
              const run = await workers.run(contender, workload, database.ids, `ycsb${runNumber}`, TIMING);
              config.runs.push(run);
              progress(
                `${kind} ${processes}p ${workload} ${contender}: ${Math.round(run.throughput)} ops/s, ` +
                  `${run.stale.stale} stale, ${run.errors} errors`,
              );
            }
          } finally {
            await workers.close();
          }
          const report = reportConfiguration(config);
          result.tables.push(...report.tables);
          result.charts.push(...report.charts);
          Object.assign(result.figures, report.figures);
          result.notes.push(...targetNotes(config));
        }
      } finally {
        await database.close();
      }
    }
  } finally {
    redis.disconnect();
    await server.stop();
  }
  const loadAfter = loadavg();
  const load = (values: number[]): string => values.map((value) => value.toFixed(2)).join(' ');
  result.notes.push(`load average (1, 5, 15 min) before: ${load(loadBefore)}, after: ${load(loadAfter)}`);
  result.figures.loadAverageBefore = loadBefore[0] as number;
  result.figures.loadAverageAfter = loadAfter[0] as number;
  result.durationMs = Date.now() - started;
  return result;
}
