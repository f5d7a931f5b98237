import { DEFAULTS } from '../defaults';

/**
 * Keys whose invalidation could not reach Redis: their entries may predate a completed
 * write. The circuit breaker stays open (no read trusts the cache) until they are delivered.
 * Past `capacity` keys the set overflows and recovery clears the whole prefix instead.
 *
 * While overflowed, keys are still recorded: recovery clears the prefix with SCAN + UNLINK and
 * then calls {@link clearOverflow}, and a key whose write failed during that scan may sit in a
 * part of the keyspace the scan had already passed. Keys recorded since the overflow began (or
 * since the last {@link clearOverflow}) therefore stay pending after the overflow is cleared and
 * are delivered one by one. When they cannot be kept (the capacity is exceeded again, or
 * {@link overflow} is called again), the scan under way may have missed one, so
 * {@link clearOverflow} keeps the set overflowed and the next recovery clears the prefix again.
 */
export class PendingInvalidations {
  private readonly keys = new Set<string>();
  /**
   * Keys added since the last {@link snapshot}: a delivery of that snapshot may have reached Redis before their write
   * committed, so it does not deliver them.
   */
  private readonly addedSinceSnapshot = new Set<string>();
  private overflowedFlag = false;
  /**
   * Keys were forgotten while overflowed since the overflow began or since the last {@link clearOverflow}: a clearing
   * of the prefix that started before they were forgotten does not cover them.
   */
  private lostWhileOverflowed = false;

  /** @param capacity keys remembered before overflowing. @default 100000 */
  constructor(private readonly capacity: number = DEFAULTS.pendingInvalidationsCapacity) {}

  add(keys: readonly string[]): void {
    for (const key of keys) {
      this.keys.add(key);
      this.addedSinceSnapshot.add(key);
    }
    if (this.keys.size > this.capacity) this.overflow();
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

  /**
   * Gives up on single keys: recovery clears the whole prefix (change capture that may have missed changes).
   * Called while a clearing is under way, it makes that clearing insufficient: {@link clearOverflow} then keeps
   * the set overflowed.
   */
  overflow(): void {
    if (this.overflowedFlag) this.lostWhileOverflowed = true;
    this.overflowedFlag = true;
    this.keys.clear();
    this.addedSinceSnapshot.clear();
  }

  /**
   * Called once the whole prefix was cleared by a clearing that began after the last call (or after the overflow).
   * Keys added meanwhile stay pending, to be delivered; if some had to be forgotten meanwhile, the set stays
   * overflowed and the prefix must be cleared once more.
   */
  clearOverflow(): void {
    if (this.lostWhileOverflowed) {
      // The keys kept so far were added before this call, so before the next clearing begins: it covers them.
      this.lostWhileOverflowed = false;
      this.keys.clear();
      this.addedSinceSnapshot.clear();
      return;
    }
    this.overflowedFlag = false;
  }
}
