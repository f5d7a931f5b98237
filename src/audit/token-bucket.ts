/**
 * A token bucket: at most `burst` tokens, refilled continuously at `ratePerSecond` tokens per second (the unit is
 * tokens, here base-repository reads, per second of the monotonic clock `performance.now()`). Over any interval of
 * `t` seconds, at most `burst + ratePerSecond * t` tokens are taken, whoever takes them.
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  /**
   * @param ratePerSecond tokens added per second (a positive number)
   * @param burst most tokens held, and so taken at once after a quiet spell (at least 1)
   */
  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
  ) {
    this.tokens = burst;
    this.refilledAt = performance.now();
  }

  /** Takes one token if there is one now. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until a token will be there (0 when there is one now). */
  msUntilToken(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : ((1 - this.tokens) / this.ratePerSecond) * 1000;
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.ratePerSecond);
    this.refilledAt = now;
  }
}
