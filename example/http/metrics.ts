import type { CacheControl, CacheService } from 'cachedrepo';

type CacheStatsSnapshot = ReturnType<CacheControl['getCacheStats']>;
import type { MethodCache } from 'cachedrepo/decorators';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { registerHealthMetrics } from './health-metrics';

/**
 * Prometheus metrics of the cache (prom-client, text exposition format 0.0.4), in a registry of
 * their own: two servers in one process never share or clash over metrics.
 *
 * - `cache_hits_total`, `cache_misses_total`, `cache_errors_total`, `cache_invalidations_total`,
 *   `cache_corrupt_entries_total` {type, source}: the CacheService's counters; `type` is an
 *   entity type (`hero`) with `source="repository"`, or a decorated method
 *   (`ProgressService.getProgress`) with `source="method"`;
 * - `cache_read_duration_seconds` {type, source}: latency of a read through a cached repository
 *   (see instrument-repositories.ts) or a decorated method, hit or miss;
 * - `cache_breaker_state` {state}: 1 for the breaker's current state (`closed`, `open`), else 0;
 *   `cache_breaker_openings_total`, `cache_pending_invalidations`, `cache_enabled`;
 * - near-cache tracking, dataset clears, the outbox and the consistency auditor: see health-metrics.ts.
 */

/** Buckets of the latency histograms, in seconds: from a 100 us hit to a 5 s load. */
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

type Source = 'repository' | 'method';
type CounterField = 'hits' | 'misses' | 'errors' | 'invalidations' | 'corruptEntries';

/** The metrics of one server. */
export interface CacheMetrics {
  registry: Registry;
  /** Records one read's latency in seconds. */
  observeRead(type: string, source: Source, seconds: number): void;
  /** Stops observing the method cache. */
  close(): void;
}

/**
 * Creates the registry and observes `methodCache`'s calls; `outboxBacklog` counts the outbox rows waiting (null: no
 * outbox, no `cache_outbox_backlog`). Counters are read from the cache's
 * stats when scraped (as increments since the last scrape, so they stay monotonic even when
 * the stats are reset).
 */
export function createCacheMetrics(
  cacheService: CacheService | null,
  methodCache: MethodCache,
  outboxBacklog: (() => Promise<number>) | null = null,
): CacheMetrics {
  const registry = new Registry();
  const latency = new Histogram({
    name: 'cache_read_duration_seconds',
    help: 'Latency of reads through a cached repository or a decorated method, hit or miss',
    labelNames: ['type', 'source'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const snapshots = (): { snapshot: CacheStatsSnapshot; source: Source }[] => {
    if (!cacheService) return [];
    const methods = new Set(methodCache.methodNames());
    return cacheService.stats
      .snapshot()
      .map((snapshot) => ({ snapshot, source: methods.has(snapshot.entityType) ? 'method' : 'repository' }));
  };
  const counter = (name: string, help: string, field: CounterField): void => {
    const seen = new Map<string, number>();
    new Counter({
      name,
      help,
      labelNames: ['type', 'source'],
      registers: [registry],
      collect() {
        for (const { snapshot, source } of snapshots()) {
          const id = `${source}\u0000${snapshot.entityType}`;
          const value = snapshot[field];
          const last = seen.get(id) ?? 0;
          this.inc({ type: snapshot.entityType, source }, value >= last ? value - last : value);
          seen.set(id, value);
        }
      },
    });
  };
  counter('cache_hits_total', 'Reads answered from Redis', 'hits');
  counter('cache_misses_total', 'Reads that loaded from the source', 'misses');
  counter('cache_errors_total', 'Redis commands that failed or timed out (turned into misses or no-ops)', 'errors');
  counter('cache_invalidations_total', 'Keys invalidated after writes or by hand', 'invalidations');
  counter('cache_corrupt_entries_total', 'Entries that could not be decoded and were replaced', 'corruptEntries');
  new Gauge({
    name: 'cache_breaker_state',
    help: 'Circuit breaker state: 1 for the current state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const state = cacheService?.health().breaker;
      for (const candidate of ['closed', 'open'] as const) this.set({ state: candidate }, state === candidate ? 1 : 0);
    },
  });
  let openingsSeen = 0;
  new Counter({
    name: 'cache_breaker_openings_total',
    help: 'Times the circuit breaker opened',
    registers: [registry],
    collect() {
      const openings = cacheService?.health().breakerOpenings ?? 0;
      this.inc(Math.max(0, openings - openingsSeen));
      openingsSeen = Math.max(openingsSeen, openings);
    },
  });
  new Gauge({
    name: 'cache_pending_invalidations',
    help: 'Invalidations not yet delivered to Redis (no read trusts the cache meanwhile)',
    registers: [registry],
    collect() {
      this.set(cacheService?.health().pendingInvalidations ?? 0);
    },
  });
  new Gauge({
    name: 'cache_enabled',
    help: '1 when the cache is configured and enabled (REDIS_ENABLED)',
    registers: [registry],
    collect() {
      this.set(methodCache.active ? 1 : 0);
    },
  });
  registerHealthMetrics(registry, cacheService, outboxBacklog);
  const observeRead = (type: string, source: Source, seconds: number): void =>
    latency.observe({ type, source }, seconds);
  const stop = methodCache.observe((event) => {
    if (event.kind === 'read') observeRead(event.method, 'method', event.durationMs / 1000);
  });
  return { registry, observeRead, close: stop };
}
