import type { Failure, RedisGateway } from './redis-gateway';

/** Marks a {@link SharedRead} whose reply nobody has decoded yet. */
export const NOT_DECODED: unique symbol = Symbol('not-decoded');

/**
 * One key's reply, shared by every read of that key in one batch. The first reader to decode
 * it keeps the decoded value here, so the others copy it instead of decoding again.
 */
export class SharedRead {
  /** The raw value, null for no key, or why there is none. */
  reply: string | null | Failure = null;
  /** Reads that share this reply. */
  readers = 1;
  /** The decoded reply (or REJECTED), once a reader decoded it with {@link decodedWith}. */
  decoded: unknown = NOT_DECODED;
  decodedWith: unknown = null;
  /** Whether {@link decoded} can be copied (`value-copy.ts`); set with it. */
  copyable = false;
  /** Readers that were handed a value so far. */
  handedOut = 0;
  /** True once a near cache keeps {@link decoded} as its template: then it is never handed out. */
  retained = false;
}

interface Pending {
  read: SharedRead;
  resolve(read: SharedRead): void;
  promise: Promise<SharedRead>;
  /** Error counters of the entity types waiting on the key (one per type). */
  counters: { errors: number }[];
}

/**
 * Reads of the cache, batched per tick: every read asked for while the current task and its
 * microtasks run is sent together when they are done (`process.nextTick`), as one GET when it
 * is one key, else as one MGET. Reads of the same key in a batch share one reply (hot keys:
 * 64 concurrent reads of one key are one GET).
 *
 * Only reads that have not been sent are ever joined, so every read's GET is executed by Redis
 * after the read began: a write that completed before a read began is never answered by a
 * reply Redis produced earlier, in this process or another (REDIS_CACHE.md, section 4).
 *
 * This replaces ioredis's auto-pipelining, which defers every command to the next turn of the
 * event loop and builds a pipeline per command even when there is nothing to batch (about
 * 8 us more per sequential hit, and GC, measured in issue 12). A read alone costs one
 * `nextTick`. An MGET reads a key of another Redis type as absent, where a GET reports it
 * (WRONGTYPE): such a key is then a plain miss, and the lease replaces it all the same.
 */
export class ReadBatcher {
  /** Commands sent since start: GETs and MGETs. */
  sent = 0;
  private pending: Map<string, Pending> | null = null;

  constructor(private readonly gateway: RedisGateway) {}

  /**
   * The reply for `key` (as stored, prefixed), from the batch of this tick.
   * @param errors counter of the entity type reading it, incremented once when the command fails
   */
  read(key: string, errors?: { errors: number }): Promise<SharedRead> {
    let batch = this.pending;
    if (batch === null) {
      batch = this.pending = new Map();
      process.nextTick(this.flush);
    }
    const joined = batch.get(key);
    if (joined !== undefined) {
      joined.read.readers += 1;
      if (errors !== undefined && !joined.counters.includes(errors)) joined.counters.push(errors);
      return joined.promise;
    }
    const read = new SharedRead();
    let resolve!: (read: SharedRead) => void;
    const promise = new Promise<SharedRead>((done) => (resolve = done));
    batch.set(key, { read, resolve, promise, counters: errors === undefined ? [] : [errors] });
    return promise;
  }

  private readonly flush = (): void => {
    const batch = this.pending;
    this.pending = null;
    if (batch !== null) void this.send(batch);
  };

  private async send(batch: Map<string, Pending>): Promise<void> {
    this.sent += 1;
    const failures = { errors: 0 };
    if (batch.size === 1) {
      const [key, pending] = batch.entries().next().value as [string, Pending];
      pending.read.reply = await this.gateway.run('get', failures, (redis) => redis.get(key));
      if (failures.errors > 0) for (const counter of pending.counters) counter.errors += 1;
      pending.resolve(pending.read);
      return;
    }
    const keys = [...batch.keys()];
    const replies = await this.gateway.run('mget', failures, (redis) => redis.mget(keys));
    let index = 0;
    const counted = new Set<{ errors: number }>();
    for (const pending of batch.values()) {
      pending.read.reply = typeof replies === 'symbol' ? replies : (replies[index] ?? null);
      index += 1;
      if (failures.errors > 0) for (const counter of pending.counters) counted.add(counter);
      pending.resolve(pending.read);
    }
    for (const counter of counted) counter.errors += 1;
  }
}
