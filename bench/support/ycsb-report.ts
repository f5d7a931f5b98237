import type { ChartPanel, Table } from './report';
import { YCSB_NAMES, type YcsbContenderName } from './ycsb-contenders';
import type { YcsbRunResult } from './ycsb-run';
import { WORKLOADS, type WorkloadName } from './ycsb-workload';

/** One configuration of the suite: a database and a number of processes, with the runs measured in it. */
export interface YcsbConfiguration {
  database: 'sqlite' | 'postgresql';
  databaseLabel: string;
  processes: number;
  clients: number;
  runs: YcsbRunResult[];
}

const KIND: Record<YcsbContenderName, ChartPanel['bars'][number]['kind']> = {
  [YCSB_NAMES.prisma]: 'database',
  [YCSB_NAMES.libraryRedis]: 'library',
  [YCSB_NAMES.libraryNear]: 'library',
  [YCSB_NAMES.libraryCapture]: 'library',
  [YCSB_NAMES.bento]: 'peer',
  [YCSB_NAMES.bentoBus]: 'peer',
  [YCSB_NAMES.cmRedis]: 'peer',
  [YCSB_NAMES.cmMemoryRedis]: 'peer',
  [YCSB_NAMES.neverInvalidates]: 'baseline',
};

/** `sqlite.1p.B.cachedrepo-redis-only`: the key of a figure. */
export function figureKey(config: YcsbConfiguration, workload: WorkloadName, contender: string, what: string): string {
  const slug = contender
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return `${config.database}.${config.processes}p.${workload}.${slug}.${what}`;
}

/** A latency, or a dash when no operation of the kind completed in the measured window (NaN is no JSON). */
const orDash = (value: number): number | string => (Number.isFinite(value) ? value : '-');

function order(runs: readonly YcsbRunResult[]): YcsbRunResult[] {
  const names = Object.values(YCSB_NAMES) as string[];
  return [...runs].sort((a, b) => names.indexOf(a.contender) - names.indexOf(b.contender));
}

/** The tables, chart panels and figures of one configuration. */
export function reportConfiguration(config: YcsbConfiguration): {
  tables: Table[];
  charts: ChartPanel[];
  figures: Record<string, number>;
} {
  const tables: Table[] = [];
  const charts: ChartPanel[] = [];
  const figures: Record<string, number> = {};
  const where = `${config.databaseLabel}, ${config.processes} process${config.processes > 1 ? 'es' : ''} x ${
    config.clients
  } clients`;
  for (const workload of Object.keys(WORKLOADS) as WorkloadName[]) {
    const runs = order(
      config.runs.filter((run) => run.workload === workload && run.contender !== YCSB_NAMES.neverInvalidates),
    );
    if (runs.length === 0) continue;
    const baseline = runs.find((run) => run.contender === YCSB_NAMES.prisma)?.throughput ?? Number.NaN;
    tables.push({
      title: `${WORKLOADS[workload].title}, ${where}`,
      header: [
        'contender',
        'ops/s',
        'x plain Prisma',
        'read p50 ms',
        'read p99 ms',
        'update p50 ms',
        'update p99 ms',
        'stale reads',
        'errors',
        'worker CPU us/op',
      ],
      rows: runs.map((run) => [
        run.contender,
        run.throughput,
        run.throughput / baseline,
        orDash(run.readP50Ms),
        orDash(run.readP99Ms),
        orDash(run.updateP50Ms),
        orDash(run.updateP99Ms),
        run.stale.stale === 0
          ? `0 / ${run.stale.reads}`
          : `${run.stale.stale} / ${run.stale.reads} (max ${(run.stale.maxLagUs / 1000).toFixed(1)} ms late)`,
        String(run.errors + run.stale.unknown),
        orDash(run.cpuUsPerOperation),
      ]),
    });
    charts.push({
      title: `${WORKLOADS[workload].title}, ${where}: throughput`,
      unit: 'x plain Prisma',
      bars: runs.map((run) => ({
        label: run.contender,
        value: run.throughput / baseline,
        kind: KIND[run.contender],
      })),
    });
    for (const run of runs) {
      figures[figureKey(config, workload, run.contender, 'opsPerSecond')] = Math.round(run.throughput);
      figures[figureKey(config, workload, run.contender, 'ratioToPrisma')] = run.throughput / baseline;
      figures[figureKey(config, workload, run.contender, 'staleReads')] = run.stale.stale;
      if (Number.isFinite(run.cpuUsPerOperation))
        figures[figureKey(config, workload, run.contender, 'cpuUsPerOperation')] = run.cpuUsPerOperation;
      figures[figureKey(config, workload, run.contender, 'readP50Ms')] = run.readP50Ms;
      figures[figureKey(config, workload, run.contender, 'readP99Ms')] = run.readP99Ms;
    }
  }
  return { tables, charts, figures };
}

/** The targets, met or missed, for one configuration: lines for the notes. */
export function targetNotes(config: YcsbConfiguration): string[] {
  const find = (workload: WorkloadName, name: YcsbContenderName): number =>
    config.runs.find((run) => run.workload === workload && run.contender === name)?.throughput ?? Number.NaN;
  const where = `${config.database}, ${config.processes} process(es)`;
  const ratio = (a: number, b: number): string => (a / b).toFixed(2);
  const notes: string[] = [];
  const bLib = find('B', YCSB_NAMES.libraryRedis);
  const bNear = find('B', YCSB_NAMES.libraryNear);
  const bCapture = find('B', YCSB_NAMES.libraryCapture);
  const bCm = find('B', YCSB_NAMES.cmRedis);
  if (Number.isFinite(bLib) && Number.isFinite(bCm))
    notes.push(
      `${where}: target B >= 1.2x cache-manager redis: Redis only ${ratio(bLib, bCm)}x ` +
        `(${bLib / bCm >= 1.2 ? 'met' : 'missed'}), near cache ${ratio(bNear, bCm)}x, capture ${ratio(bCapture, bCm)}x`,
    );
  const aLib = find('A', YCSB_NAMES.libraryRedis);
  const aCapture = find('A', YCSB_NAMES.libraryCapture);
  const aPrisma = find('A', YCSB_NAMES.prisma);
  const aCm = find('A', YCSB_NAMES.cmRedis);
  if (Number.isFinite(aLib) && Number.isFinite(aPrisma))
    notes.push(
      `${where}: target A >= 1.0x plain Prisma and >= cache-manager redis: ${ratio(aLib, aPrisma)}x Prisma, ` +
        `${ratio(aLib, aCm)}x cache-manager (${aLib >= aPrisma && aLib >= aCm ? 'met' : 'missed'}); capture ` +
        `${ratio(aCapture, aPrisma)}x Prisma, ${ratio(aCapture, aCm)}x cache-manager`,
    );
  const library: readonly string[] = [YCSB_NAMES.libraryRedis, YCSB_NAMES.libraryNear, YCSB_NAMES.libraryCapture];
  const libraryStale = config.runs
    .filter((run) => library.includes(run.contender))
    .reduce((sum, run) => sum + run.stale.stale, 0);
  notes.push(
    `${where}: target 0 stale reads for the library: ${libraryStale} (${libraryStale === 0 ? 'met' : 'missed'})`,
  );
  const check = config.runs.find((run) => run.contender === YCSB_NAMES.neverInvalidates);
  if (check)
    notes.push(
      `${where}: self-check of the stale-read counter, a process-local cache that never invalidates, YCSB ` +
        `${check.workload}: ${check.stale.stale} stale of ${check.stale.reads} reads ` +
        `(${check.stale.stale > 0 ? 'detected, as it must be' : 'NOT DETECTED: the counter is broken'})`,
    );
  return notes;
}
