import { DEFAULTS } from '../defaults';

/** States of a {@link CircuitBreaker}. */
export type BreakerState = 'closed' | 'open';

/** Options of a {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Consecutive failed Redis commands that open the breaker. @default 3 */
  failureThreshold?: number;
  /** Milliseconds between probes while open. @default 1000 */
  probeIntervalMs?: number;
}

/**
 * Why the breaker opened: failures, an undelivered invalidation, a (re)connection whose dataset
 * is not validated yet, or (Redis Cluster) a topology that moved away from the validated masters.
 */
export type BreakerOpenReason = 'failures' | 'pending-invalidation' | 'connection' | 'topology';

/**
 * A circuit breaker in front of Redis (Nygard, "Release It!", ch. 5). Closed: commands go to
 * Redis. After `failureThreshold` consecutive failures it opens: commands are refused at once,
 * so reads go straight to the database without waiting for a timeout. While open it calls
 * `probe` every `probeIntervalMs`; when a probe succeeds it closes. The probe is the caller's
 * (a PING, then replaying pending invalidations), so the breaker closes only once the cache
 * can be trusted again.
 */
export class CircuitBreaker {
  /** Times the breaker opened since start. */
  openings = 0;
  private current: BreakerState = 'closed';
  private failures = 0;
  private timer: NodeJS.Timeout | null = null;
  private probing = false;
  /** Set when the breaker is told to open while a probe runs: that probe's success no longer proves anything. */
  private probeOutdated = false;
  private disposed = false;
  private readonly failureThreshold: number;
  private readonly probeIntervalMs: number;

  constructor(
    private readonly probe: () => Promise<boolean>,
    private readonly onChange: (state: BreakerState, reason?: BreakerOpenReason) => void,
    options: CircuitBreakerOptions = {},
  ) {
    this.failureThreshold = options.failureThreshold ?? DEFAULTS.breakerFailureThreshold;
    this.probeIntervalMs = options.probeIntervalMs ?? DEFAULTS.breakerProbeIntervalMs;
  }

  /**
   * Starts open without counting an opening: nothing is trusted until the first probe has
   * validated Redis. Probes start when {@link probeNow} is first called (on connection).
   */
  startOpen(): void {
    this.current = 'open';
  }

  get state(): BreakerState {
    return this.current;
  }

  /** True when commands may be sent. */
  get closed(): boolean {
    return this.current === 'closed';
  }

  recordSuccess(): void {
    this.failures = 0;
  }

  recordFailure(): void {
    this.failures += 1;
    if (this.current === 'closed' && this.failures >= this.failureThreshold) this.open('failures');
  }

  /** Opens at once (an invalidation could not be delivered, or the connection dropped). */
  open(reason: BreakerOpenReason): void {
    if (this.disposed) return;
    if (this.current === 'open') {
      if (this.probing) this.probeOutdated = true;
      return;
    }
    this.current = 'open';
    this.openings += 1;
    this.onChange('open', reason);
    this.scheduleProbe(this.probeIntervalMs);
  }

  /** While open, probes now instead of at the next interval (a connection just became ready). */
  probeNow(): void {
    if (this.current === 'open' && !this.probing) this.scheduleProbe(0);
  }

  /** Stops probing (on close of the cache service). */
  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private scheduleProbe(delayMs: number): void {
    if (this.disposed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.runProbe(), delayMs);
    this.timer.unref();
  }

  private async runProbe(): Promise<void> {
    this.timer = null;
    if (this.probing || this.current === 'closed') return;
    this.probing = true;
    this.probeOutdated = false;
    let healthy = false;
    try {
      healthy = await this.probe();
    } catch {
      healthy = false;
    } finally {
      this.probing = false;
    }
    // Disposed while the probe ran (the cache service closed): its answer must neither close the breaker nor be told.
    if (this.disposed) return;
    if (this.probeOutdated) return this.scheduleProbe(0);
    if (!healthy) return this.scheduleProbe(this.probeIntervalMs);
    this.failures = 0;
    this.current = 'closed';
    this.onChange('closed');
  }
}
