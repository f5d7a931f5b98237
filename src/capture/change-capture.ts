import { randomBytes } from 'node:crypto';
import type { CacheService } from '../protocol/cache-service';
import { createDefaultLogger, type CacheLogger } from '../observability/cache-logger';
import { DEFAULTS } from '../defaults';
import { CacheOptionsError, CaptureSetupError } from '../errors';
import type { ApplyBatch, CaptureLag, ChangeBatch, ChangeSource } from './change-source';
import { RowKeys } from './row-keys';
import type { CaptureHealth, ChangeCaptureOptions } from './change-capture-types';

export type { CaptureHealth, ChangeCaptureOptions } from './change-capture-types';

/**
 * Change capture's consumer: reads the committed changes of the captured tables from a {@link ChangeSource} and
 * invalidates the keys they make stale through the cache's one invalidation path ({@link CacheService.invalidate}:
 * its gateway, breaker and pending invalidations), then lets the source confirm them. So a write made outside the
 * cached repositories (raw SQL, another service, a cascade) invalidates what a write through them would.
 *
 * One process at a time reads a source: the holder of the consumer lease in Redis
 * (`{prefix}:!capture:{kind}:{name}`, `SET NX PX`, renewed every poll), like the outbox deliverer's. A process that
 * cannot reach Redis cannot hold it, and a batch whose invalidation fails is not confirmed, so it is read again by
 * whichever process holds the lease next: nothing committed is skipped. When the source cannot say which rows changed
 * (a slot lost, a TRUNCATE), the prefix is cleared ({@link CacheService.invalidateAll}) before the batch is confirmed.
 */
export class ChangeCapture {
  private readonly token = randomBytes(8).toString('hex');
  private readonly rows: RowKeys;
  private readonly leaseKey: string;
  private readonly pollIntervalMs: number;
  private readonly leaseMs: number;
  private readonly retryDelayMs: number;
  private readonly clearTimeoutMs: number;
  private readonly keysPerInvalidation: number;
  private readonly receiptWaitMs: number;
  private readonly lagIntervalMs: number;
  private readonly replacesOutbox: boolean;
  private lastLag: CaptureHealth['lag'] = null;
  private measuring = false;
  private readonly logger: CacheLogger;
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private leader = false;
  private lastAttempt = 0;
  private retryAt = 0;
  private clearing = false;
  private reading: Promise<void> | null = null;
  private readonly counters = {
    ...{ changesApplied: 0, keysInvalidated: 0, keysSkipped: 0 },
    ...{ failedBatches: 0, prefixClears: 0, errors: 0 },
  };
  private lastError: CaptureHealth['lastError'] = null;
  private lastLogged = 0;

  /**
   * @param cache the cache whose keys the changes make stale
   * @param source where changes are read: a `PostgresChangeSource` or a `SqliteChangeSource`
   * @throws {StrategyError} when no strategy declares a captured table
   * @throws {CacheOptionsError} when the lease is not longer than the poll interval
   */
  constructor(
    private readonly cache: CacheService,
    private readonly source: ChangeSource,
    options: ChangeCaptureOptions,
  ) {
    this.rows = new RowKeys(options.strategies);
    this.leaseKey = `!capture:${source.kind}:${source.name}`;
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULTS.capturePollIntervalMs;
    this.leaseMs = options.leaseMs ?? DEFAULTS.captureLeaseMs;
    this.retryDelayMs = options.retryDelayMs ?? DEFAULTS.captureRetryDelayMs;
    this.clearTimeoutMs = options.clearTimeoutMs ?? DEFAULTS.captureClearTimeoutMs;
    this.keysPerInvalidation = options.keysPerInvalidation ?? DEFAULTS.captureKeysPerInvalidation;
    this.receiptWaitMs = options.receiptWaitMs ?? DEFAULTS.captureReceiptWaitMs;
    this.lagIntervalMs = options.lagIntervalMs ?? DEFAULTS.captureLagIntervalMs;
    this.logger = options.logger ?? createDefaultLogger();
    this.replacesOutbox = options.replacesOutbox ?? true;
    if (this.leaseMs <= this.pollIntervalMs)
      throw new CacheOptionsError(
        `capture lease (${this.leaseMs} ms) must exceed the poll interval (${this.pollIntervalMs} ms)`,
      );
  }

  /** The captured tables, from the strategies' declarations. */
  get tables(): string[] {
    return this.rows.tables;
  }

  /** The entity types whose strategies declare captured tables (their writes skip the outbox while started). */
  get entityTypes(): string[] {
    return this.rows.entityTypes;
  }

  /**
   * Checks the database's setup, then starts competing for the consumer lease (timers are unref'd); from then on the
   * captured entity types' writes skip the outbox (see {@link ChangeCaptureOptions.replacesOutbox}).
   * @throws {CaptureSetupError} when the database is not set up for capture (nothing is started)
   */
  async start(): Promise<void> {
    if (this.timer) return;
    await this.source.check(this.rows.columns);
    this.timer = setInterval(() => void this.tick(), this.pollIntervalMs);
    this.timer.unref();
    const log = { kind: this.source.kind, name: this.source.name };
    if (this.replacesOutbox) this.cache.durableWrites.captureStarted(this, this.rows.entityTypes, log);
  }

  /**
   * Stops reading and competing for the lease, and closes the source (it does not close the cache). Writes record
   * outbox rows again from the call on; the changes committed meanwhile wait in the change log for the next consumer.
   */
  async stop(): Promise<void> {
    this.cache.durableWrites.captureStopped(this);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.leader = false;
    await this.stopReading();
    await this.source.close();
  }

  /** Counters of this process, and whether it is the consumer now. */
  health(): CaptureHealth {
    return {
      source: this.source.kind,
      consumer: this.leader,
      reading: this.reading !== null,
      ...this.counters,
      lastError: this.lastError,
      lag: this.leader ? this.lastLag : null,
    };
  }

  /** The consumer's lag, measured now (a query of the database). @throws a database error */
  lag(): Promise<CaptureLag> {
    return this.source.lag();
  }

  /**
   * The consumer renews its lease on every poll; the others try to take it every quarter lease. Losing the lease, or
   * trust in Redis, stops the reading; the source resumes from its confirmed position when the lease is held again.
   */
  private async tick(): Promise<void> {
    if (this.ticking || !this.timer) return;
    const now = Date.now();
    if (!this.leader && now - this.lastAttempt < this.leaseMs / 4) return;
    this.lastAttempt = now;
    this.ticking = true;
    try {
      // While clearing the prefix itself the cache is untrusted on purpose: the consumer keeps its lease.
      this.leader = await this.cache.holdLease(this.leaseKey, this.token, this.leaseMs, this.clearing);
      if (!this.timer) return;
      if (!this.leader || (!this.cache.trusted && !this.clearing)) await this.stopReading();
      else if (!this.reading && Date.now() >= this.retryAt) this.startReading();
      if (this.leader) this.measureLag();
    } finally {
      this.ticking = false;
    }
  }

  /** Measures the lag in the background, every `lagIntervalMs` at most. */
  private measureLag(): void {
    if (this.measuring || this.lagIntervalMs <= 0) return;
    if (this.lastLag && Date.now() - this.lastLag.measuredAt < this.lagIntervalMs) return;
    this.measuring = true;
    this.source
      .lag()
      .then((lag) => {
        this.lastLag = { ...lag, measuredAt: Date.now() };
      })
      .catch(() => undefined) // the database is unreachable: reading reports it
      .finally(() => {
        this.measuring = false;
      });
  }

  private startReading(): void {
    const apply: ApplyBatch = (batch) => this.apply(batch);
    this.reading = this.source
      .consume(this.rows.columns, apply)
      .catch((error: unknown) => this.report(error))
      .finally(() => {
        this.reading = null;
      });
  }

  private async stopReading(): Promise<void> {
    const reading = this.reading;
    if (!reading) return;
    await this.source.stop();
    await reading;
  }

  /** Invalidates the keys of one batch; true when the source may confirm it. */
  private async apply(batch: ChangeBatch): Promise<boolean> {
    if (!this.leader) return false;
    const keys = this.rows.keysOf(batch.changes);
    const clearAll = batch.clearAll ?? (keys.ok ? undefined : keys.reason);
    if (clearAll !== undefined && !(await this.clearPrefix(clearAll))) return this.failed();
    if (!keys.ok) return true;
    const receipted = [...keys.keys.values()].some((positions) => [...positions.values()].some(Boolean));
    if (receipted) await this.awaitReceipts(batch.committedAt);
    if (!this.cache.trusted) return this.failed();
    for (const [entityType, positions] of keys.keys) {
      const all = [...positions];
      const stats = this.cache.stats.for(entityType);
      for (let start = 0; start < all.length; start += this.keysPerInvalidation) {
        const chunk = new Map(all.slice(start, start + this.keysPerInvalidation));
        const { delivered, skipped } = await this.cache.invalidateChanges(chunk, stats);
        if (!delivered) return this.failed();
        this.counters.keysInvalidated += chunk.size - skipped;
        this.counters.keysSkipped += skipped;
      }
    }
    this.counters.changesApplied += batch.changes.length;
    return true;
  }

  /** Waits out the rest of `receiptWaitMs` after the commit (never longer: clocks of the database may differ). */
  private async awaitReceipts(committedAt: number | undefined): Promise<void> {
    if (committedAt === undefined || this.receiptWaitMs <= 0) return;
    const rest = Math.min(this.receiptWaitMs, this.receiptWaitMs - (Date.now() - committedAt));
    if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
  }

  private async clearPrefix(reason: string): Promise<boolean> {
    this.logger.warn(
      { source: this.source.kind, sourceName: this.source.name, reason },
      'Change capture cannot tell which rows changed: clearing the cache prefix before it is trusted again',
    );
    this.clearing = true;
    try {
      if (!(await this.cache.invalidateAll(this.clearTimeoutMs))) return false;
    } finally {
      this.clearing = false;
    }
    this.counters.prefixClears += 1;
    return true;
  }

  private failed(): false {
    this.counters.failedBatches += 1;
    return false;
  }

  /** Counts and logs a failure; the same failure again within 30 s is logged at debug level only. */
  private report(error: unknown): void {
    this.counters.errors += 1;
    const now = Date.now();
    this.retryAt = now + this.retryDelayMs;
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown } | null)?.code;
    const reason = error instanceof CaptureSetupError ? error.reason : null;
    const repeated = this.lastError?.message === message && now - this.lastLogged < 30_000;
    this.lastError = { code: typeof code === 'string' ? code : null, reason, message, at: now };
    if (!repeated) this.lastLogged = now;
    (repeated ? this.logger.debug : this.logger.error).call(
      this.logger,
      { source: this.source.kind, sourceName: this.source.name, code: this.lastError.code, reason, error: message },
      'Change capture failed reading its source: it starts again from the last confirmed change',
    );
  }
}
