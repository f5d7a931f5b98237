/** Rows remembered per repository before the oldest is dropped. */
const MAX_RECENT_ROWS = 1024;

/**
 * Above this share of remembered rows found stale (an exponential average over about the last 8
 * tries), remembered rows are not tried: a stale try costs a compare-and-set that matches nothing
 * (on SQLite a batch transaction) on top of the read it was meant to save. Measured with two
 * repositories taking turns on one row: a fresh
 * try saves about 200 us of a 680 us durable update on SQLite, a stale one adds about 390 us, so
 * trying pays while fewer than about a third are stale.
 */
const MAX_STALE_SHARE = 0.3;
/**
 * The row of an id as this repository last read it with its raw SELECT or wrote it with its raw
 * UPDATE, for `FastUpdate` to try its compare-and-set with before reading the row: when the
 * row still holds exactly these values, the compare-and-set applies and the SELECT is saved;
 * when anything changed it (another writer, another process), the compare-and-set matches no
 * row and the update reads the row and retries as it would have anyway. So a remembered row can
 * be out of date, or even altered by a caller, without any effect on what a write reports or
 * records: only on its cost. Bounded (the oldest remembered id is dropped first); per instance;
 * ids that are objects (composite ids, a new object per call) are not remembered.
 */
export class RecentRows<Row extends object> {
  readonly #rows = new Map<unknown, Row>();
  #staleShare = 0;

  get(id: unknown): Row | undefined {
    return this.#rows.get(id);
  }

  /** Whether trying remembered rows has paid lately. */
  worthTrying(): boolean {
    return this.#staleShare <= MAX_STALE_SHARE;
  }

  /**
   * Whether a remembered row was still the row: found by a try, or, when it was not tried, by
   * comparing it with the row read instead (so tries resume once they would pay again).
   */
  found(stale: boolean): void {
    this.#staleShare += ((stale ? 1 : 0) - this.#staleShare) / 8;
  }

  /** Remembers a copy of `row` (a caller's changes to the object it got do not reach it). */
  remember(id: unknown, row: Row): void {
    if (typeof id === 'object') return;
    this.#rows.delete(id);
    this.#rows.set(id, { ...row });
    if (this.#rows.size > MAX_RECENT_ROWS) this.#rows.delete(this.#rows.keys().next().value);
  }

  forget(id: unknown): void {
    this.#rows.delete(id);
  }
}
