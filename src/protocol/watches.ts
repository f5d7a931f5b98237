import { ConsistencyAuditor, type AuditedCache } from '../audit/consistency-auditor';
import type { ConsistencyAuditHealth, ConsistencyAuditOptions } from '../audit/audit-types';
import type { EntityCacheStats } from '../observability/cache-stats';
import type { NearCache } from '../near-cache/near-cache';
import type { Serializer } from '../repository/serializer';
import { CacheTracer } from '../tracing/cache-tracer';
import type { TracingOptions } from '../tracing/tracing-types';
import { RepositoryWatch } from './read-watch';

/**
 * The watchers of one CacheService's cached repositories, each off by default and then costing nothing: the
 * consistency auditor (`audit`) and OpenTelemetry tracing (`tracing`, which alone loads `@opentelemetry/api`).
 */
export class Watches {
  private readonly auditor: ConsistencyAuditor | null;
  private readonly tracer: CacheTracer | null;

  /**
   * @throws {CacheOptionsError} for audit options out of range, or tracing without `@opentelemetry/api` installed
   */
  constructor(
    options: { audit?: ConsistencyAuditOptions | undefined; tracing?: TracingOptions | undefined },
    cache: AuditedCache,
    enabled: boolean,
  ) {
    const auditor = enabled && options.audit ? new ConsistencyAuditor(options.audit, cache) : null;
    this.auditor = auditor?.active ? auditor : null;
    this.tracer = enabled && options.tracing?.enabled ? new CacheTracer(options.tracing) : null;
  }

  /** The watch of one cached repository, or null when nothing watches (then its reads are not wrapped at all). */
  watchFor(
    entityType: string,
    serializer: Serializer,
    nearCache: NearCache | null,
    stats: EntityCacheStats,
  ): RepositoryWatch | null {
    const { auditor, tracer } = this;
    if (auditor === null && tracer === null) return null;
    return new RepositoryWatch(
      auditor?.forEntity(entityType, serializer, nearCache, stats) ?? null,
      auditor ? () => auditor.picks() : () => false,
      tracer?.forEntity(entityType) ?? null,
    );
  }

  /** What the auditor found (null when it is off). */
  auditHealth(): ConsistencyAuditHealth | null {
    return this.auditor?.health() ?? null;
  }

  /** Tells the span of the write under way, if traced, what its invalidation did. */
  noteInvalidation(keys: number, delivered: boolean): void {
    this.tracer?.noteInvalidation(keys, delivered);
  }

  close(): void {
    this.auditor?.close();
  }
}
