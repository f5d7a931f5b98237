/** The shapes of the consistency auditor: its options and what it reports. */

/**
 * Options of the consistency auditor (`CacheServiceOptions.audit`, or CACHE_AUDIT_SAMPLE_RATE through
 * `createCacheService`). It checks a sample of the reads the cache answered (hits in Redis or in the near cache)
 * against the base repository, in the spirit of Meta's consistency monitoring (Lu et al., "Existential Consistency:
 * Measuring and Understanding Consistency at Facebook", SOSP 2015, and its cache-invalidation checker Polaris): a
 * difference is checked again after a delay, so that a write in flight is not counted, then counted, logged and
 * repaired.
 */
export interface ConsistencyAuditOptions {
  /**
   * Fraction of cache hits checked, from 0 to 1 (1: every hit, as far as the rate limit allows). 0 turns the auditor
   * off. @default 0
   */
  sampleRate: number;
  /**
   * Most base-repository reads the auditor makes, in reads per second (a token bucket shared by its checks and
   * re-checks): the auditor's whole cost to the database. A sampled hit that finds no token is not checked (counted
   * in `rateLimited`). @default 10
   */
  maxReadsPerSecond?: number;
  /** Most base reads at once after a quiet spell, the size of the bucket. @default maxReadsPerSecond, at least 1 */
  burst?: number;
  /**
   * Milliseconds between finding a difference and checking it again. Longer than a write takes from its commit to
   * its invalidation, and than near caches may lag (CACHE_NEAR_CACHE_MAX_STALENESS). @default 1000
   */
  recheckDelayMs?: number;
  /** Characters of each version (cached, base) written in the log line of a mismatch. @default 2000 */
  maxLoggedChars?: number;
}

/** Counters of one entity type. */
export interface AuditedType {
  entityType: string;
  /** Hits compared with the base repository. */
  checked: number;
  /** Differences that outlived the re-check: counted once per stale entry, and repaired. */
  mismatches: number;
}

/** What the auditor reports in `CacheService.health().audit`. Counters since the service started. */
export interface ConsistencyAuditHealth {
  sampleRate: number;
  /** The rate limit, in base reads per second. */
  maxReadsPerSecond: number;
  /** Hits picked for a check. */
  sampled: number;
  /** Hits compared with the base repository. */
  checked: number;
  /** Differences that outlived the re-check: stale entries found, logged and invalidated. */
  mismatches: number;
  /** mismatches / checked; 0 before any check. */
  inconsistencyRatio: number;
  /** Differences gone by the re-check (a write was in flight), not counted as mismatches. */
  transient: number;
  /** Differences waiting for their re-check. */
  pendingRechecks: number;
  /** Picked hits not checked because the rate limit had no token. */
  rateLimited: number;
  /** Reads the auditor sent to base repositories (checks and re-checks); never more than the rate limit allows. */
  baseReads: number;
  /** Base reads that failed (nothing is concluded from them). */
  errors: number;
  /** The same counters per entity type. */
  entities: AuditedType[];
}
