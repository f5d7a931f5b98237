/**
 * Single-flight: concurrent callers asking for the same key share one load instead of each
 * querying the database (stampede protection within a process). Errors reach every caller;
 * a failed load is forgotten at once, so nothing is remembered from it.
 */
export class SingleFlight {
  private readonly inFlight = new Map<string, Promise<unknown>>();

  /**
   * Runs `load` unless a load of `key` is already under way, in which case it waits for that one.
   * @param holdUntil when given, the finished load stays joinable until the promise it returns
   *   for the value settles (e.g. its store in Redis), while its caller already has the value
   * @returns the load's value and whether this caller joined another caller's load.
   */
  async run<V>(key: string, load: () => Promise<V>, holdUntil?: (value: V) => Promise<unknown>): Promise<{ value: V; joined: boolean }> {
    const existing = this.inFlight.get(key) as Promise<V> | undefined;
    if (existing) return { value: await existing, joined: true };
    const flight = load();
    this.inFlight.set(key, flight);
    const forget = (): void => {
      if (this.inFlight.get(key) === flight) this.inFlight.delete(key);
    };
    let value: V;
    try {
      value = await flight;
    } catch (error) {
      forget();
      throw error;
    }
    if (holdUntil) void holdUntil(value).then(forget, forget);
    else forget();
    return { value, joined: false };
  }

  /** Makes later callers of these keys start a new load (after a write in this process). */
  forget(keys: Iterable<string>): void {
    for (const key of keys) this.inFlight.delete(key);
  }

  /** Number of loads under way (a held load counts until its `holdUntil` settles). */
  get size(): number {
    return this.inFlight.size;
  }
}
