import { ConsistencyAuditor, type AuditedCache } from '../audit/consistency-auditor';
import type { ConsistencyAuditHealth, ConsistencyAuditOptions } from '../audit/audit-types';
import type { EntityCacheStats } from '../observability/cache-stats';
import type { NearCache } from '../near-cache/near-cache';
import type { Serializer } from '../repository/serializer';
import { RepositoryWatch } from './read-watch';

/**
 * The watchers of one CacheService's cached repositories, off by default and then costing nothing: the consistency
 * auditor (`audit`).
 */
export class Watches {
  private readonly auditor: ConsistencyAuditor | null;

  /**
   * @throws {CacheOptionsError} for audit options out of range
   */
  constructor(options: { audit?: ConsistencyAuditOptions | undefined }, cache: AuditedCache, enabled: boolean) {
    const auditor = enabled && options.audit ? new ConsistencyAuditor(options.audit, cache) : null;
    this.auditor = auditor?.active ? auditor : null;
  }

  /** The watch of one cached repository, or null when nothing watches (then its reads are not wrapped at all). */
  watchFor(
    entityType: string,
    serializer: Serializer,
    nearCache: NearCache | null,
    stats: EntityCacheStats,
  ): RepositoryWatch | null {
    const { auditor } = this;
    if (auditor === null) return null;
    return new RepositoryWatch(
      auditor.forEntity(entityType, serializer, nearCache, stats),
      () => auditor.picks(),
      null,
    );
  }

  /** What the auditor found (null when it is off). */
  auditHealth(): ConsistencyAuditHealth | null {
    return this.auditor?.health() ?? null;
  }

  close(): void {
    this.auditor?.close();
  }
}
