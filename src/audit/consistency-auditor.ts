import type { CacheLogger } from '../observability/cache-logger';
import type { EntityCacheStats } from '../observability/cache-stats';
import type { NearCache } from '../near-cache/near-cache';
import type { CacheRead } from '../protocol/cache-service-types';
import type { Serializer } from '../repository/serializer';
import { CacheOptionsError } from '../errors';
import type { AuditedType, ConsistencyAuditHealth, ConsistencyAuditOptions } from './audit-types';
import { EntityAudit } from './entity-audit';
import { TokenBucket } from './token-bucket';

/** What the auditor needs of its CacheService: the one read of a key and the one invalidation path. */
export interface AuditedCache {
  /** One GET of `key` (unprefixed), as `CacheService.read`. */
  read(key: string): Promise<CacheRead>;
  /** `CacheService.invalidate`: near caches, single-flight and Redis, as after a write. */
  invalidate(keys: readonly string[], stats?: EntityCacheStats): Promise<boolean>;
  logger: CacheLogger;
}

/** Counters the entity audits of one auditor add to. */
export interface AuditCounters {
  sampled: number;
  checked: number;
  mismatches: number;
  transient: number;
  pendingRechecks: number;
  rateLimited: number;
  baseReads: number;
  errors: number;
}

/**
 * The consistency auditor of one CacheService (see {@link ConsistencyAuditOptions}): it picks reads to sample, holds
 * the rate limit its checks share, and adds up what they found. Each cached repository gets its {@link EntityAudit}
 * from {@link forEntity}.
 */
export class ConsistencyAuditor {
  readonly sampleRate: number;
  readonly recheckDelayMs: number;
  readonly maxLoggedChars: number;
  readonly bucket: TokenBucket;
  readonly counters: AuditCounters = {
    sampled: 0,
    checked: 0,
    mismatches: 0,
    transient: 0,
    pendingRechecks: 0,
    rateLimited: 0,
    baseReads: 0,
    errors: 0,
  };
  /** Re-checks waiting for a token: while there are any, no new check takes one. */
  waitingRechecks = 0;
  closed = false;
  private readonly byType = new Map<string, AuditedType>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  /** @throws {CacheOptionsError} for a sample rate outside 0-1, a rate limit or burst that is not positive */
  constructor(
    options: ConsistencyAuditOptions,
    readonly cache: AuditedCache,
  ) {
    const { sampleRate, maxReadsPerSecond = 10, recheckDelayMs = 1000, maxLoggedChars = 2000 } = options;
    const burst = options.burst ?? Math.max(1, maxReadsPerSecond);
    if (!(sampleRate >= 0 && sampleRate <= 1))
      throw new CacheOptionsError(`audit.sampleRate must be between 0 and 1, got ${sampleRate}`);
    if (!(maxReadsPerSecond > 0) || !Number.isFinite(maxReadsPerSecond))
      throw new CacheOptionsError(`audit.maxReadsPerSecond must be a positive number, got ${maxReadsPerSecond}`);
    if (!(burst >= 1) || !Number.isFinite(burst))
      throw new CacheOptionsError(`audit.burst must be at least 1, got ${burst}`);
    if (!(recheckDelayMs >= 0)) throw new CacheOptionsError(`audit.recheckDelayMs must be >= 0, got ${recheckDelayMs}`);
    this.sampleRate = sampleRate;
    this.recheckDelayMs = recheckDelayMs;
    this.maxLoggedChars = maxLoggedChars;
    this.bucket = new TokenBucket(maxReadsPerSecond, burst);
  }

  /** True when the auditor runs at all (a sample rate above 0). */
  get active(): boolean {
    return this.sampleRate > 0;
  }

  /** Whether to sample the read about to start. */
  picks(): boolean {
    return this.sampleRate >= 1 || (this.sampleRate > 0 && Math.random() < this.sampleRate);
  }

  /** The audit of one cached repository's reads (entity types sharing a name share counters). */
  forEntity(
    entityType: string,
    serializer: Serializer,
    nearCache: NearCache | null,
    stats: EntityCacheStats,
  ): EntityAudit {
    let counters = this.byType.get(entityType);
    if (!counters) {
      counters = { entityType, checked: 0, mismatches: 0 };
      this.byType.set(entityType, counters);
    }
    return new EntityAudit(this, counters, serializer, nearCache, stats);
  }

  /** Runs `task` after `ms` milliseconds unless the auditor is closed first; the timer keeps no process alive. */
  later(ms: number, task: () => void): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) task();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  health(): ConsistencyAuditHealth {
    const { checked, mismatches } = this.counters;
    return {
      sampleRate: this.sampleRate,
      maxReadsPerSecond: this.bucket.ratePerSecond,
      ...this.counters,
      inconsistencyRatio: checked === 0 ? 0 : mismatches / checked,
      entities: [...this.byType.values()].map((counters) => ({ ...counters })),
    };
  }

  /** Stops: checks and re-checks under way conclude nothing more. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
