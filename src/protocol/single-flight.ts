/**
 * Single-flight: concurrent callers asking for the same key share one load instead of each
 * querying the database (stampede protection within a process). Errors reach every caller;
 * a failed load is forgotten at once, so nothing is remembered from it.
 */
export class SingleFlight {
  private readonly inFlight = new Map<string, Promise<unknown>>();

  /**
   * Runs `load` unless a load of `key` is already under way, in which case it waits for that one.
   * `load` is given `close`, which stops later callers from joining it (they start a load of
   * their own); it is called at the latest when the load settles.
   * @returns the load's value and whether this caller joined another caller's load.
   */
  async run<V>(key: string, load: (close: () => void) => Promise<V>): Promise<{ value: V; joined: boolean }> {
    const existing = this.inFlight.get(key) as Promise<V> | undefined;
    if (existing) return { value: await existing, joined: true };
    // Set once the load has started; `close` may be called before that (a load that closes at once), and then the
    // load is never offered to later callers.
    const started: { flight?: Promise<V>; closed?: boolean } = {};
    const close = (): void => {
      started.closed = true;
      if (started.flight !== undefined && this.inFlight.get(key) === started.flight) this.inFlight.delete(key);
    };
    const flight = load(close);
    started.flight = flight;
    if (!started.closed) this.inFlight.set(key, flight);
    try {
      return { value: await flight, joined: false };
    } finally {
      close();
    }
  }

  /** Makes later callers of these keys start a new load (after a write in this process). */
  forget(keys: Iterable<string>): void {
    for (const key of keys) this.inFlight.delete(key);
  }

  /** Number of loads under way. */
  get size(): number {
    return this.inFlight.size;
  }
}
