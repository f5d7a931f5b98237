import type { CacheService } from 'cachedrepo';
import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * Metrics read from `CacheService.health()` at each scrape, for the dashboards (Grafana, `GET /dashboard`):
 * - `cache_near_cache_tracking` {state}: 1 for the near caches' tracking state (`off`, `active`, `inactive`), else 0;
 * - `cache_near_cache_hits_total` {type}: hits answered by a near cache (part of `cache_hits_total`);
 * - `cache_dataset_clears_total`: times the prefix was cleared because Redis's dataset could predate an invalidation;
 * - `cache_outbox_delivered_total`: outbox entries this process delivered to Redis;
 * - `cache_outbox_backlog`: outbox entries waiting for delivery (a count in the database; absent without an outbox);
 * - `cache_audit_*`: the consistency auditor (absent when it is off): `checks_total` and `mismatches_total` {type},
 *   `transient_total`, `rate_limited_total`, `base_reads_total`, and the gauges `inconsistency_ratio` (mismatches /
 *   checks since start) and `sample_rate`.
 * Counters are exported as increments since the last scrape, so they stay monotonic.
 */
export function registerHealthMetrics(
  registry: Registry,
  cacheService: CacheService | null,
  outboxBacklog: (() => Promise<number>) | null,
): void {
  const health = () => cacheService?.health() ?? null;
  new Gauge({
    name: 'cache_near_cache_tracking',
    help: 'Near-cache tracking state: 1 for the current state (off, active, inactive)',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const state = health()?.nearCache.tracking ?? 'off';
      for (const candidate of ['off', 'active', 'inactive'] as const)
        this.set({ state: candidate }, state === candidate ? 1 : 0);
    },
  });
  monotonicCounter(registry, 'cache_near_cache_hits_total', 'Hits answered by a near cache', ['type'], () =>
    (health()?.nearCache.caches ?? []).map((near) => [{ type: near.entityType }, near.hits]),
  );
  monotonicCounter(
    registry,
    'cache_dataset_clears_total',
    'Times the key prefix was cleared (restart, failover)',
    [],
    () => {
      const current = health();
      return current ? [[{}, current.datasetClears]] : [];
    },
  );
  monotonicCounter(
    registry,
    'cache_outbox_delivered_total',
    'Outbox entries this process delivered to Redis',
    [],
    () => {
      const current = health();
      return current ? [[{}, current.outbox.delivered]] : [];
    },
  );
  if (outboxBacklog)
    new Gauge({
      name: 'cache_outbox_backlog',
      help: 'Outbox entries recorded by writes and not yet delivered to Redis',
      registers: [registry],
      async collect() {
        this.set(await outboxBacklog());
      },
    });
  registerAuditMetrics(registry, () => health()?.audit ?? null);
}

type Audit = NonNullable<ReturnType<CacheService['health']>['audit']>;

function registerAuditMetrics(registry: Registry, audit: () => Audit | null): void {
  const perType = (field: 'checked' | 'mismatches') => (): Samples =>
    (audit()?.entities ?? []).map((entity) => [{ type: entity.entityType }, entity[field]]);
  const total = (field: 'transient' | 'rateLimited' | 'baseReads') => (): Samples => {
    const current = audit();
    return current ? [[{}, current[field]]] : [];
  };
  monotonicCounter(
    registry,
    'cache_audit_checks_total',
    'Cache hits the auditor compared with the database',
    ['type'],
    perType('checked'),
  );
  monotonicCounter(
    registry,
    'cache_audit_mismatches_total',
    'Cached values that differed from the database after the re-check (logged and invalidated)',
    ['type'],
    perType('mismatches'),
  );
  monotonicCounter(
    registry,
    'cache_audit_transient_total',
    'Differences gone by the re-check (a write in flight)',
    [],
    total('transient'),
  );
  monotonicCounter(
    registry,
    'cache_audit_rate_limited_total',
    'Sampled hits not checked: no token',
    [],
    total('rateLimited'),
  );
  monotonicCounter(
    registry,
    'cache_audit_base_reads_total',
    'Database reads made by the auditor',
    [],
    total('baseReads'),
  );
  new Gauge({
    name: 'cache_audit_inconsistency_ratio',
    help: 'Mismatches per hit checked by the consistency auditor, since start',
    registers: [registry],
    collect() {
      const current = audit();
      if (current) this.set(current.inconsistencyRatio);
    },
  });
  new Gauge({
    name: 'cache_audit_sample_rate',
    help: 'Fraction of cache hits the consistency auditor samples (0 when it is off)',
    registers: [registry],
    collect() {
      this.set(audit()?.sampleRate ?? 0);
    },
  });
}

type Samples = [Record<string, string>, number][];

/** A counter fed from cumulative values read at scrape time: it adds what each labelled value grew by. */
function monotonicCounter(
  registry: Registry,
  name: string,
  help: string,
  labelNames: string[],
  read: () => Samples,
): void {
  const seen = new Map<string, number>();
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      for (const [labels, value] of read()) {
        const id = JSON.stringify(labels);
        const last = seen.get(id) ?? 0;
        this.inc(labels, value >= last ? value - last : value);
        seen.set(id, value);
      }
    },
  });
}
