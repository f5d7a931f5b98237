import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePrometheusText } from './prometheus-text';
import { runTraffic, startAdminServer, type RunningAdminServer } from './support/admin-server';

// example/http/grafana/cachedrepo.json: an importable Grafana dashboard whose every query names a metric that a
// running admin server exports.

const DASHBOARD = join(__dirname, '..', '..', '..', '..', 'example', 'http', 'grafana', 'cachedrepo.json');

interface Target {
  refId?: unknown;
  expr?: unknown;
  datasource?: unknown;
}
interface Panel {
  id?: unknown;
  type?: unknown;
  title?: unknown;
  gridPos?: { h?: unknown; w?: unknown; x?: unknown; y?: unknown };
  datasource?: unknown;
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  title?: unknown;
  uid?: unknown;
  schemaVersion?: unknown;
  panels?: Panel[];
  time?: { from?: unknown; to?: unknown };
  templating?: { list?: { name?: unknown; type?: unknown; query?: unknown; definition?: unknown }[] };
  __inputs?: { name?: unknown; type?: unknown; pluginId?: unknown }[];
}

/** PromQL words that are neither metrics nor functions. */
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or']);
const KEYWORDS_MORE = new Set(['unless', 'offset', 'inf', 'nan']);

/**
 * The metric names a PromQL expression selects: identifiers that are not followed by `(` (a function or
 * aggregation), not keywords, outside label matchers `{...}`, range selectors `[...]`, strings and `by (...)` lists.
 */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names: string[] = [];
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = match[0];
    const after = stripped.slice((match.index ?? 0) + word.length).trimStart();
    if (after.startsWith('(') || KEYWORDS.has(word) || KEYWORDS_MORE.has(word.toLowerCase())) continue;
    // A number's exponent (1e-6) is not a name.
    if (/^e\d*$/i.test(word) && /\d$/.test(stripped.slice(0, match.index).trimEnd())) continue;
    names.push(word);
  }
  return [...new Set(names)];
}

const flatten = (panels: Panel[]): Panel[] => panels.flatMap((panel) => [panel, ...flatten(panel.panels ?? [])]);

describe('the Grafana dashboard', () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
  const panels = flatten(dashboard.panels ?? []);
  const queryPanels = panels.filter((panel) => panel.type !== 'row');
  const expressions = queryPanels.flatMap((panel) => (panel.targets ?? []).map((target) => String(target.expr)));
  const variableQueries = (dashboard.templating?.list ?? []).map((variable) =>
    String((variable.query as { query?: unknown } | undefined)?.query ?? variable.query),
  );
  let app: RunningAdminServer;

  beforeAll(async () => {
    app = await startAdminServer();
    await runTraffic(app);
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('reads metric names out of PromQL as expected', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (le, type) (rate(cache_read_duration_seconds_bucket{type=~"$type"}[5m])))',
      ),
    ).toEqual(['cache_read_duration_seconds_bucket']);
    expect(metricNames('sum(a_total) / (sum(b_total) + on(type) c) > bool 1e-6')).toEqual(['a_total', 'b_total', 'c']);
  });

  it("has the fields Grafana's dashboard schema requires, and panels that fit the 24-column grid", () => {
    expect(typeof dashboard.title).toBe('string');
    expect(dashboard.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(typeof dashboard.schemaVersion).toBe('number');
    expect(dashboard.time).toEqual({ from: expect.any(String), to: expect.any(String) });
    expect(Array.isArray(dashboard.templating?.list)).toBe(true);
    // Imported with a Prometheus picked for ${DS_PROMETHEUS}.
    expect(dashboard.__inputs).toContainEqual(
      expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' }),
    );
    expect(queryPanels.length).toBeGreaterThanOrEqual(8);
    const ids = panels.map((panel) => panel.id);
    expect(ids.every((id) => Number.isInteger(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const panel of panels) {
      const { h, w, x, y } = panel.gridPos ?? {};
      const where = `panel ${String(panel.id)} ${String(panel.title)}`;
      expect([where, typeof panel.title, typeof panel.type]).toEqual([where, 'string', 'string']);
      expect([where, [h, w, x, y].every((n) => Number.isInteger(n) && (n as number) >= 0)]).toEqual([where, true]);
      expect([where, (w as number) >= 1 && (x as number) + (w as number) <= 24 && (h as number) >= 1]).toEqual([
        where,
        true,
      ]);
      for (let row = y as number; row < (y as number) + (h as number); row += 1)
        for (let column = x as number; column < (x as number) + (w as number); column += 1) {
          const cell = `${row}:${column}`;
          expect([where, cells.has(cell) ? `overlaps at ${cell}` : 'alone']).toEqual([where, 'alone']);
          cells.add(cell);
        }
    }
    for (const panel of queryPanels) {
      expect(['timeseries', 'stat', 'gauge', 'table', 'bargauge']).toContain(panel.type);
      expect(panel.datasource).toEqual({ type: 'prometheus', uid: '${DS_PROMETHEUS}' });
      const targets = panel.targets ?? [];
      expect(targets.length).toBeGreaterThan(0);
      const refIds = targets.map((target) => target.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
      for (const target of targets) expect(String(target.expr).trim()).not.toBe('');
    }
  });

  it('queries only metrics that GET /metrics of a running admin server exports, with samples', async () => {
    const exposition = parsePrometheusText(await (await fetch(`${app.base}/metrics`)).text());
    const exported = new Set(exposition.samples.map((sample) => sample.name));
    const named = new Map<string, string[]>();
    for (const expr of expressions) {
      const names = metricNames(expr);
      expect([expr, names.length > 0]).toEqual([expr, true]);
      for (const name of names) named.set(name, [...(named.get(name) ?? []), expr]);
    }
    for (const query of variableQueries) {
      const match = /^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,\s*(\w+)\s*\)$/.exec(query);
      expect([query, match !== null]).toEqual([query, true]);
      named.set(match![1]!, [query]);
    }
    const missing = [...named.keys()].filter((name) => !exported.has(name));
    expect(missing).toEqual([]);
    // Not vacuous: the dashboard covers the families the issue names.
    for (const family of [
      'cache_hits_total',
      'cache_breaker_state',
      'cache_near_cache_tracking',
      'cache_outbox_backlog',
      'cache_dataset_clears_total',
      'cache_audit_inconsistency_ratio',
    ])
      expect(named.has(family)).toBe(true);
  });
});
