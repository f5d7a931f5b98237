/**
 * Keys whose invalidation could not reach Redis. Until they are delivered, reads of these
 * keys bypass the cache (the entry may predate a completed write). Past `capacity` keys the
 * set overflows: then every read bypasses the cache, and recovery clears the whole prefix.
 */
export class PendingInvalidations {
  private readonly keys = new Set<string>();
  private overflowedFlag = false;

  /** @param capacity keys remembered before overflowing. @default 100000 */
  constructor(private readonly capacity = 100_000) {}

  add(keys: readonly string[]): void {
    if (this.overflowedFlag) return;
    for (const key of keys) this.keys.add(key);
    if (this.keys.size > this.capacity) {
      this.overflowedFlag = true;
      this.keys.clear();
    }
  }

  /** True when a read of `key` must not trust the cache. */
  blocks(key: string): boolean {
    return this.overflowedFlag || (this.keys.size > 0 && this.keys.has(key));
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
    return [...this.keys];
  }

  delivered(keys: readonly string[]): void {
    for (const key of keys) this.keys.delete(key);
  }

  clearOverflow(): void {
    this.overflowedFlag = false;
  }
}
