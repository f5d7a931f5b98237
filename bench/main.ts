import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeMachine, printTable, renderChart, type SuiteResult } from './support/report';

/**
 * `npm run bench`: every suite, each in its own Node process, one after the other (never part
 * of `npm test`). `npx tsx bench/main.ts hit-path concurrency` runs some. Prints each suite's
 * tables, writes bench/results/<suite>.json and bench/results/summary.json, and renders
 * bench/results/chart.svg (the guide shows it, with the date and the machine).
 *
 * Every suite is bounded in time (SUITES below); the whole run takes about 14 minutes on 2 cores (6 of them YCSB).
 * Exits non-zero only when a suite fails to run, never on the numbers.
 */

interface Suite {
  /** Seconds after which the suite's process is killed and the suite counted as failed. */
  limitSeconds: number;
  /** A script of its own (another engineer's), run as is: its printed output is kept. */
  script?: string;
  env?: Record<string, string>;
  /** A chart of its own in bench/results (its panels are left out of chart.svg, which they would dwarf). */
  chart?: string;
}

const SUITES: Record<string, Suite> = {
  'hit-path': { limitSeconds: 120 },
  concurrency: { limitSeconds: 120 },
  'find-by-ids': { limitSeconds: 60 },
  'cold-reads': { limitSeconds: 90 },
  'miss-and-update': { limitSeconds: 90 },
  'near-invalidation': { limitSeconds: 90 },
  'near-memory': { limitSeconds: 180 },
  'invalidation-scale': { limitSeconds: 120 },
  'breaker-open': { limitSeconds: 60 },
  capture: { limitSeconds: 240 },
  databases: { limitSeconds: 300, script: 'databases.ts', env: { BENCH_CONTENTION_MS: '5000' } },
  // 2 databases x (19 + 22 runs of about 3.5 s) with the defaults; YCSB_* variables make it longer (bench/README.md).
  ycsb: { limitSeconds: 1200, chart: 'ycsb.svg' },
};

const RESULTS = join(__dirname, 'results');

/** Runs `node --import tsx <args>` with a time limit; resolves with its exit code and output. */
function runNode(
  args: string[],
  limitSeconds: number,
  env: Record<string, string> = {},
  echo = true,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output += chunk.toString();
      if (echo) process.stdout.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      output += `\n(killed after ${limitSeconds} s)\n`;
      child.kill('SIGKILL');
    }, limitSeconds * 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 1 : 0), output });
    });
  });
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !(name in SUITES));
  if (unknown.length > 0)
    throw new Error(`unknown suite(s) ${unknown.join(', ')}; known: ${Object.keys(SUITES).join(', ')}`);
  mkdirSync(RESULTS, { recursive: true });
  const machine = describeMachine();
  console.log(
    `cachedrepo benchmarks, ${machine.date}: ${machine.cpu}, ${machine.cores} cores, Node ` +
      `${machine.node}, Redis ${machine.redis}`,
  );
  const scratch = mkdtempSync(join(tmpdir(), 'bench-results-'));
  const results: SuiteResult[] = [];
  let failed = 0;
  for (const [name, suite] of Object.entries(SUITES)) {
    if (wanted.length > 0 && !wanted.includes(name)) continue;
    if (suite.script && !existsSync(join(__dirname, suite.script))) continue;
    console.log(`\n== ${name}`);
    const started = Date.now();
    if (suite.script) {
      const { code, output } = await runNode([join(__dirname, suite.script)], suite.limitSeconds, suite.env);
      if (code !== 0) failed += 1;
      writeFileSync(join(RESULTS, `${name}.txt`), output);
      console.log(`(${name}: ${((Date.now() - started) / 1000).toFixed(0)} s${code === 0 ? '' : ', FAILED'})`);
      continue;
    }
    const out = join(scratch, `${name}.json`);
    const { code } = await runNode([join(__dirname, 'run-suite.ts'), name, out], suite.limitSeconds, suite.env, false);
    if (code !== 0 || !existsSync(out)) {
      failed += 1;
      console.error(
        `${name} failed (exit ${code}); run it alone to see why: npx tsx bench/run-suite.ts ${name} /tmp/${name}.json`,
      );
      continue;
    }
    const result = JSON.parse(readFileSync(out, 'utf8')) as SuiteResult;
    results.push(result);
    for (const table of result.tables) printTable(table);
    for (const note of result.notes) console.log(`  note: ${note}`);
    writeFileSync(join(RESULTS, `${name}.json`), `${JSON.stringify({ machine, ...result }, null, 2)}\n`);
    if (suite.chart)
      writeFileSync(join(RESULTS, suite.chart), renderChart(result.charts, machine, `cachedrepo: ${result.title}`));
    console.log(`(${name}: ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  rmSync(scratch, { recursive: true, force: true });
  if (results.length > 0) {
    const summaryFile = join(RESULTS, 'summary.json');
    const previous = existsSync(summaryFile)
      ? ((JSON.parse(readFileSync(summaryFile, 'utf8')) as { suites?: Record<string, SuiteResult> }).suites ?? {})
      : {};
    const suites = { ...previous, ...Object.fromEntries(results.map((result) => [result.suite, result])) };
    writeFileSync(summaryFile, `${JSON.stringify({ machine, suites }, null, 2)}\n`);
    const order = Object.keys(SUITES);
    const charts = Object.values(suites)
      .sort((a, b) => order.indexOf(a.suite) - order.indexOf(b.suite))
      .flatMap((result) => (SUITES[result.suite]?.chart ? [] : result.charts));
    writeFileSync(join(RESULTS, 'chart.svg'), renderChart(charts, machine));
    console.log(`\nResults: ${RESULTS}/*.json, chart: ${join(RESULTS, 'chart.svg')}`);
  }
  process.exitCode = failed > 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
