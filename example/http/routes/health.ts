import type { CacheService } from 'cachedrepo';
import type { FastifyInstance } from 'fastify';

/**
 * Key read by the latency probe: `!` is outside every key schema's namespace characters, so no entry can live there.
 */
const PROBE_KEY = '!health-probe';

/** `GET /health/cache` body. Latency is milliseconds. */
export interface CacheHealthReport {
  /** `healthy`: Redis answers and is trusted; `degraded`: reads go to the database; `disabled`: REDIS_ENABLED=false. */
  status: 'healthy' | 'degraded' | 'disabled';
  breaker: 'closed' | 'open' | null;
  pendingInvalidations: number;
  /** One GET through the cache's gateway, in milliseconds; null when it did not reach Redis. */
  redisLatencyMs: number | null;
  breakerOpenings: number;
  errors: number;
  datasetClears: number;
  outbox: { configured: boolean; deliverer: boolean; delivered: number } | null;
  /**
   * The consistency auditor (CACHE_AUDIT_SAMPLE_RATE): hits checked against the database, mismatches found (each
   * logged and invalidated) and their ratio; null when it is off. Mismatches do not make the cache degraded.
   */
  audit: { checked: number; mismatches: number; inconsistencyRatio: number } | null;
}

/**
 * `GET /health/cache`: 200 when healthy (or the cache is disabled: the application is fine
 * without it), 503 when degraded: the breaker is open, an invalidation is pending, or Redis
 * did not answer the probe (one GET, bounded by REDIS_COMMAND_TIMEOUT).
 */
export async function healthRoutes(
  app: FastifyInstance,
  options: { cacheService: CacheService | null },
): Promise<void> {
  const { cacheService } = options;
  app.get('/health/cache', async (_request, reply) => {
    if (!cacheService || !cacheService.enabled) {
      const report: CacheHealthReport = {
        status: 'disabled',
        breaker: null,
        pendingInvalidations: 0,
        redisLatencyMs: null,
        breakerOpenings: 0,
        errors: 0,
        datasetClears: 0,
        outbox: null,
        audit: null,
      };
      return reply.code(200).send(report);
    }
    const started = performance.now();
    const probe = await cacheService.read(PROBE_KEY);
    const redisLatencyMs =
      probe.kind === 'unavailable' ? null : Math.round((performance.now() - started) * 1000) / 1000;
    const health = cacheService.health();
    const healthy = health.breaker === 'closed' && health.pendingInvalidations === 0 && redisLatencyMs !== null;
    const report: CacheHealthReport = {
      status: healthy ? 'healthy' : 'degraded',
      breaker: health.breaker,
      pendingInvalidations: health.pendingInvalidations,
      redisLatencyMs,
      breakerOpenings: health.breakerOpenings,
      errors: health.errors,
      datasetClears: health.datasetClears,
      outbox: health.outbox,
      audit: health.audit && {
        checked: health.audit.checked,
        mismatches: health.audit.mismatches,
        inconsistencyRatio: health.audit.inconsistencyRatio,
      },
    };
    return reply.code(healthy ? 200 : 503).send(report);
  });
}
