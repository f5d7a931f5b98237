/**
 * Keys whose invalidation could not reach Redis: their entries may predate a completed
 * write. The circuit breaker stays open (no read trusts the cache) until they are delivered.
 * Past `capacity` keys the set overflows and recovery clears the whole prefix instead.
 */
export class PendingInvalidations {
  private readonly keys = new Set<string>();
  /**
   * Keys added since the last {@link snapshot}: a delivery of that snapshot may have reached Redis before their write
   * committed, so it does not deliver them.
   */
  private readonly addedSinceSnapshot = new Set<string>();
  private overflowedFlag = false;

  /** @param capacity keys remembered before overflowing. @default 100000 */
  constructor(private readonly capacity = 100_000) {}

  add(keys: readonly string[]): void {
    if (this.overflowedFlag) return;
    for (const key of keys) {
      this.keys.add(key);
      this.addedSinceSnapshot.add(key);
    }
    if (this.keys.size > this.capacity) {
      this.overflowedFlag = true;
      this.keys.clear();
      this.addedSinceSnapshot.clear();
    }
  }

  get overflowed(): boolean {
    return this.overflowedFlag;
  }

  get size(): number {
    return this.keys.size;
  }

  get empty(): boolean {
    return !this.overflowedFlag && this.keys.size === 0;
  }

  /** The keys to deliver now; call {@link delivered} with them once Redis has them. */
  snapshot(): string[] {
    this.addedSinceSnapshot.clear();
    return [...this.keys];
  }

  /** Forgets the keys of the last snapshot, once Redis has them, but those added again since that snapshot. */
  delivered(keys: readonly string[]): void {
    for (const key of keys) if (!this.addedSinceSnapshot.has(key)) this.keys.delete(key);
  }

  /** Gives up on single keys: recovery clears the whole prefix (change capture that may have missed changes). */
  overflow(): void {
    this.overflowedFlag = true;
    this.keys.clear();
  }

  clearOverflow(): void {
    this.overflowedFlag = false;
  }
}
