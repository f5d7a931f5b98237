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
  private readonly failureThreshold: number;
  private readonly probeIntervalMs: number;

  constructor(
    private readonly probe: () => Promise<boolean>,
    private readonly onChange: (state: BreakerState) => void,
    options: CircuitBreakerOptions = {},
  ) {
    this.failureThreshold = options.failureThreshold ?? 3;
    this.probeIntervalMs = options.probeIntervalMs ?? 1000;
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
    if (this.current === 'closed' && this.failures >= this.failureThreshold) this.open();
  }

  /** Opens at once (for example when an invalidation could not be delivered). */
  open(): void {
    if (this.current === 'open') return;
    this.current = 'open';
    this.openings += 1;
    this.onChange('open');
    this.scheduleProbe();
  }

  /** Stops probing (on close of the cache service). */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private scheduleProbe(): void {
    this.timer = setTimeout(() => void this.runProbe(), this.probeIntervalMs);
    this.timer.unref();
  }

  private async runProbe(): Promise<void> {
    this.timer = null;
    let healthy = false;
    try {
      healthy = await this.probe();
    } catch {
      healthy = false;
    }
    if (!healthy) return this.scheduleProbe();
    this.failures = 0;
    this.current = 'closed';
    this.onChange('closed');
  }
}
