import type { EntityCacheStats } from '../observability/cache-stats';
import { NEAR_MISS, NEAR_OFF, type NearCache } from '../near-cache/near-cache';
import { decodeEntry, REJECTED, type EntryShape } from '../protocol/entry-codec';
import { pageOrigin } from '../protocol/generations';
import type { ReadReport } from '../protocol/read-report';
import { copyValue, isCopyable } from '../protocol/value-copy';
import type { Serializer } from '../repository/serializer';
import type { AuditedType } from './audit-types';
import type { ConsistencyAuditor } from './consistency-auditor';
import { sameData } from './same-data';

/** What a peek found in no cache: the next read would load. */
const ABSENT: unique symbol = Symbol('absent');

/**
 * The audit of one cached repository's reads. A sampled hit is compared with the base repository's answer to the
 * same call (same method, same arguments), read just after the hit returned. A difference is checked again
 * `recheckDelayMs` later, and counted only if it is still there: the cache still serves the value the hit served,
 * before and after a new base read, and the base answers otherwise. Then it is logged with the key and both versions,
 * and the key is invalidated through the cache's one invalidation path (`CacheService.invalidate`).
 *
 * Why the re-check cannot count a write in flight: a write commits, then invalidates its keys, so a hit may return
 * the old value while the base already has the new one. The re-check counts only a value that the cache kept serving
 * for the whole delay, unchanged; an invalidation in between (or a newer value stored after it) shows as a change.
 */
export class EntityAudit {
  /** Keys whose difference is being re-checked: a stale entry is counted once. */
  private readonly rechecking = new Set<string>();

  constructor(
    private readonly auditor: ConsistencyAuditor,
    private readonly byType: AuditedType,
    private readonly serializer: Serializer,
    private readonly nearCache: NearCache | null,
    private readonly stats: EntityCacheStats,
  ) {}

  /**
   * Called when a sampled read has its value, before its caller gets it: a hit is checked when a token allows (the
   * base read is sent now, and compared behind the caller).
   */
  sample<V>(
    key: string,
    shape: EntryShape,
    value: V,
    report: Pick<ReadReport, 'served'>,
    load: () => Promise<V>,
  ): void {
    if (report.served !== 'near' && report.served !== 'redis') return;
    const { auditor } = this;
    const counters = auditor.counters;
    counters.sampled += 1;
    if (auditor.closed || auditor.waitingRechecks > 0 || !auditor.bucket.tryTake()) {
      counters.rateLimited += 1;
      return;
    }
    // The caller may change what it gets: keep the value as served.
    const served = this.snapshot(value);
    void this.check(key, shape, served, this.loadNow(load), load);
  }

  private async check<V>(
    key: string,
    shape: EntryShape,
    served: unknown,
    loading: Promise<V>,
    load: () => Promise<V>,
  ): Promise<void> {
    const base = await this.settle(loading);
    if (base === ABSENT || this.auditor.closed) return;
    this.auditor.counters.checked += 1;
    this.byType.checked += 1;
    if (sameData(served, base) || this.rechecking.has(key)) return;
    this.rechecking.add(key);
    const { counters } = this.auditor;
    counters.pendingRechecks += 1;
    this.auditor.later(this.auditor.recheckDelayMs, () => {
      void this.recheck(key, shape, served, load).finally(() => {
        this.rechecking.delete(key);
        counters.pendingRechecks -= 1;
      });
    });
  }

  /** The re-check of a difference: see the class comment. */
  private async recheck<V>(key: string, shape: EntryShape, served: unknown, load: () => Promise<V>): Promise<void> {
    const { auditor } = this;
    const before = await this.peek(key, shape);
    if (before === ABSENT || !sameData(before, served)) {
      auditor.counters.transient += 1;
      return;
    }
    const base = await this.settle(this.loadWithToken(load));
    if (base === ABSENT || auditor.closed) return;
    const after = await this.peek(key, shape);
    if (after === ABSENT || !sameData(after, before) || sameData(after, base)) {
      auditor.counters.transient += 1;
      return;
    }
    auditor.counters.mismatches += 1;
    this.byType.mismatches += 1;
    auditor.cache.logger.warn(
      {
        entityType: this.byType.entityType,
        key,
        cached: this.describe(after),
        base: this.describe(base),
        recheckDelayMs: auditor.recheckDelayMs,
      },
      'Consistency audit: a cached value differs from the base repository after the re-check; its key is invalidated',
    );
    await auditor.cache.invalidate([key], this.stats);
  }

  /**
   * What the next read of `key` would be served from the caches, without filling or storing anything: the near
   * cache's entry, else Redis's; {@link ABSENT} when neither holds a valid entry (or Redis cannot be asked).
   */
  private async peek(key: string, shape: EntryShape): Promise<unknown> {
    // A page of a collection query is retired by a new generation of its collection, not by deleting its key: once
    // the generation has changed, no read serves it any more (`generations.ts`).
    const page = pageOrigin(key);
    if (page !== null) {
      const current = await this.auditor.cache.read(page.collection);
      if (current.kind !== 'value' || current.raw !== page.generation) return ABSENT;
    }
    const near = this.nearCache?.get(key, shape);
    if (near !== undefined && near !== NEAR_MISS && near !== NEAR_OFF && near !== REJECTED) return near;
    const read = await this.auditor.cache.read(key);
    if (read.kind !== 'value') return ABSENT;
    const value = decodeEntry(key, read.raw, this.serializer, shape);
    return value === REJECTED ? ABSENT : value;
  }

  /** Waits for a token (re-checks go before new checks), then sends the base read at once. */
  private async loadWithToken<V>(load: () => Promise<V>): Promise<V> {
    const { auditor } = this;
    auditor.waitingRechecks += 1;
    try {
      while (!auditor.bucket.tryTake()) {
        if (auditor.closed) throw new Error('the auditor is closed');
        await new Promise<void>((resolve) => auditor.later(Math.max(1, auditor.bucket.msUntilToken()), resolve));
      }
    } finally {
      auditor.waitingRechecks -= 1;
    }
    return this.loadNow(load);
  }

  /** Sends the base read now (synchronously, right after its token was taken). */
  private loadNow<V>(load: () => Promise<V>): Promise<V> {
    this.auditor.counters.baseReads += 1;
    try {
      return load();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** The base read's value, or {@link ABSENT} when it failed (counted: nothing is concluded from it). */
  private async settle<V>(loading: Promise<V>): Promise<V | typeof ABSENT> {
    try {
      return await loading;
    } catch {
      if (!this.auditor.closed) this.auditor.counters.errors += 1;
      return ABSENT;
    }
  }

  private snapshot(value: unknown): unknown {
    if (value === null || typeof value !== 'object') return value;
    return isCopyable(value) ? copyValue(value) : this.serializer.deserialize(this.serializer.serialize(value));
  }

  /** One version for the log: as the strategy's serializer writes it, cut to `maxLoggedChars`. */
  private describe(value: unknown): string {
    const text = value === null ? 'null' : this.serializer.serialize(value);
    const max = this.auditor.maxLoggedChars;
    return text.length <= max ? text : `${text.slice(0, max)}... (${text.length} characters)`;
  }
}
