/** Counters of one entity type since start (or the last reset). */
export interface CacheStatsSnapshot {
  entityType: string;
  hits: number;
  misses: number;
  /** Redis commands that failed or timed out and were turned into misses or no-ops. */
  errors: number;
  /** Entries that could not be decoded; each was treated as a miss and replaced. */
  corruptEntries: number;
  /** Keys invalidated after writes or by hand. */
  invalidations: number;
  /** Values larger than the maximum entry size, served from the database and not cached. */
  oversized: number;
  /** hits / (hits + misses), 0 when there were no reads. */
  hitRatio: number;
}

/** Mutable counters of one entity type. Increment directly: this is on the hot path. */
export class EntityCacheStats {
  hits = 0;
  misses = 0;
  errors = 0;
  corruptEntries = 0;
  invalidations = 0;
  oversized = 0;

  constructor(readonly entityType: string) {}

  snapshot(): CacheStatsSnapshot {
    const reads = this.hits + this.misses;
    return {
      entityType: this.entityType,
      hits: this.hits,
      misses: this.misses,
      errors: this.errors,
      corruptEntries: this.corruptEntries,
      invalidations: this.invalidations,
      oversized: this.oversized,
      hitRatio: reads === 0 ? 0 : this.hits / reads,
    };
  }

  reset(): void {
    this.hits = this.misses = this.errors = this.corruptEntries = this.invalidations = this.oversized = 0;
  }
}

/** Counters per entity type, shared by every cached repository on one {@link CacheService}. */
export class CacheStatsRegistry {
  private readonly byType = new Map<string, EntityCacheStats>();

  /** The counters of `entityType`, created on first use. */
  for(entityType: string): EntityCacheStats {
    let stats = this.byType.get(entityType);
    if (!stats) {
      stats = new EntityCacheStats(entityType);
      this.byType.set(entityType, stats);
    }
    return stats;
  }

  snapshot(): CacheStatsSnapshot[] {
    return [...this.byType.values()].map((stats) => stats.snapshot());
  }

  reset(): void {
    for (const stats of this.byType.values()) stats.reset();
  }
}
