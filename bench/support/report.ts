import { execFileSync } from 'node:child_process';
import { cpus, totalmem, type as osType, release } from 'node:os';

/** A printed table. Numbers are formatted when printed. */
export interface Table {
  title: string;
  header: string[];
  rows: (string | number)[][];
}

/** One bar of a chart: `kind` picks its colour (baselines grey, the library blue, peers orange, databases green). */
export interface ChartBar {
  label: string;
  value: number;
  kind: 'baseline' | 'library' | 'peer' | 'database';
}

/** One panel of the chart: a metric across contenders. */
export interface ChartPanel {
  title: string;
  unit: string;
  bars: ChartBar[];
}

/** What one suite returns (and writes to bench/results/<suite>.json). */
export interface SuiteResult {
  suite: string;
  title: string;
  durationMs: number;
  tables: Table[];
  charts: ChartPanel[];
  /** Named figures, e.g. `redisHitRatio`, for the guide and for comparisons between runs. */
  figures: Record<string, number>;
  notes: string[];
}

/** The machine a run was measured on. */
export interface Machine {
  date: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  redis: string;
}

export function describeMachine(): Machine {
  let redis = 'unknown';
  try {
    redis =
      /v=(\S+)/.exec(execFileSync(process.env.REDIS_SERVER_BIN ?? 'redis-server', ['--version']).toString())?.[1] ??
      'unknown';
  } catch {
    // no redis-server on PATH: the suites will say so themselves
  }
  return {
    date: new Date().toISOString(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${osType()} ${release()}`,
    node: process.version,
    redis,
  };
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** Prints a table with aligned columns (numbers right-aligned). */
export function printTable(table: Table): void {
  const cells = [
    table.header,
    ...table.rows.map((row) => row.map((cell) => (typeof cell === 'number' ? formatNumber(cell) : cell))),
  ];
  const widths = table.header.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const line = (row: readonly string[]): string =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
      .join('  ');
  console.log(`\n${table.title}`);
  console.log(line(cells[0] as string[]));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of cells.slice(1)) console.log(line(row));
}

const COLOURS: Record<ChartBar['kind'], string> = {
  baseline: '#8c8c8c',
  library: '#2f6fdf',
  peer: '#e08a1e',
  database: '#3a9a4a',
};

function escapeXml(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string,
  );
}

/** An SVG of horizontal bar charts, one panel per metric, titled with the date and the machine. */
export function renderChart(
  panels: readonly ChartPanel[],
  machine: Machine,
  title = 'cachedrepo: npm run bench',
): string {
  const width = 960;
  const labelWidth = 300;
  const barArea = width - labelWidth - 120;
  const barHeight = 18;
  const gap = 6;
  let y = 56;
  const parts: string[] = [];
  parts.push(`<text x="16" y="24" font-size="18" font-weight="bold">${escapeXml(title)}</text>`);
  const subtitle = [
    machine.date.slice(0, 10),
    `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB`,
    machine.os,
    `Node ${machine.node}`,
    `Redis ${machine.redis}`,
  ].join(' · ');
  parts.push(`<text x="16" y="44" font-size="12" fill="#555">${escapeXml(subtitle)}</text>`);
  for (const panel of panels) {
    y += 22;
    parts.push(
      `<text x="16" y="${y}" font-size="14" font-weight="bold">${escapeXml(`${panel.title} (${panel.unit})`)}</text>`,
    );
    y += 8;
    const max = Math.max(...panel.bars.map((bar) => bar.value), Number.MIN_VALUE);
    for (const bar of panel.bars) {
      const length = Math.max(1, (bar.value / max) * barArea);
      parts.push(
        `<text x="${labelWidth - 8}" y="${y + barHeight - 5}" font-size="12" ` +
          `text-anchor="end">${escapeXml(bar.label)}</text>`,
      );
      parts.push(
        `<rect x="${labelWidth}" y="${y}" width="${length.toFixed(1)}" height="${barHeight}" ` +
          `fill="${COLOURS[bar.kind]}"/>`,
      );
      parts.push(
        `<text x="${(labelWidth + length + 6).toFixed(1)}" y="${y + barHeight - 5}" ` +
          `font-size="12">${escapeXml(formatNumber(bar.value))}</text>`,
      );
      y += barHeight + gap;
    }
  }
  y += 16;
  const legend = Object.entries(COLOURS).map(
    ([kind, colour], index) =>
      `<rect x="${16 + index * 150}" y="${y}" width="12" height="12" fill="${colour}"/><text ` +
      `x="${34 + index * 150}" y="${y + 11}" ` +
      `font-size="12">${kind === 'library' ? 'cachedrepo' : kind}</text>`,
  );
  parts.push(...legend);
  y += 28;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ` +
    `${width} ${y}" font-family="Helvetica, Arial, sans-serif">\n<rect width="100%" ` +
    `height="100%" fill="white"/>\n${parts.join('\n')}\n</svg>\n`
  );
}
