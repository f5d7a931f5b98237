import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';

/**
 * When keys leave Redis, from Redis's own keyspace notifications (`notify-keyspace-events Eg`: an UNLINK or DEL
 * publishes the key on `__keyevent@<db>__:del`), so that a benchmark learns of an invalidation as Redis applies it,
 * without polling. The server must run with that setting (`--notify-keyspace-events Eg`).
 */
export class DeletedKeys {
  private readonly expected = new Map<string, number | null>();
  private waiting = 0;
  private settle: (() => void) | null = null;

  private constructor(private readonly subscriber: Redis) {
    subscriber.on('message', (_channel: string, key: string) => {
      if (this.expected.get(key) !== null) return; // not expected, or already seen
      this.expected.set(key, performance.now());
      this.waiting -= 1;
      if (this.waiting === 0) this.settle?.();
    });
  }

  /** Subscribes to the deletions of database 0 of the server at `url`. */
  static async watch(url: string): Promise<DeletedKeys> {
    const subscriber = new Redis(url);
    await subscriber.subscribe('__keyevent@0__:del');
    return new DeletedKeys(subscriber);
  }

  /** Watches for the deletion of `keys` (full keys, prefix included), forgetting earlier ones. */
  expect(keys: readonly string[]): void {
    for (const key of keys) {
      if (this.expected.get(key) !== null) this.waiting += 1;
      this.expected.set(key, null);
    }
  }

  /** When `key` was seen deleted (`performance.now()` ms), or null. */
  deletedAt(key: string): number | null {
    return this.expected.get(key) ?? null;
  }

  /**
   * Resolves once every expected key was deleted, or after `timeoutMs`.
   * @returns the keys still not deleted
   */
  async settled(timeoutMs: number): Promise<string[]> {
    if (this.waiting > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.settle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.settle = null;
    }
    return [...this.expected].filter(([, at]) => at === null).map(([key]) => key);
  }

  /** Forgets every key (seen or not). */
  clear(): void {
    this.expected.clear();
    this.waiting = 0;
  }

  close(): void {
    this.subscriber.disconnect();
  }
}
