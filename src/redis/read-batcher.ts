import { OUT_OF_MEMORY, type Failure, type RedisGateway } from './redis-gateway';
import type { StoreConnection } from './store';

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
  /**
   * The lease token this read placed in the empty key (`SET NX GET`, {@link ReadBatcher.read}'s `lease`), until the
   * reader that loads the key takes it; null when it placed none.
   */
  lease: string | null = null;
}

interface Pending {
  read: SharedRead;
  /** True when a reader will fill a near cache from the reply: Redis must track the key for this process. */
  track: boolean;
  resolve(read: SharedRead): void;
  promise: Promise<SharedRead>;
  /** Error counters of the entity types waiting on the key (one per type). */
  counters: { errors: number }[];
  /** The lease token to place if the key is empty, when the read is sent alone; null for a plain GET. */
  lease: string | null;
}

/**
 * The most reads offering a lease that one tick sends as `SET NX GET`s of their own; with more, the tick is one
 * `MGET`. A `SET NX GET` saves a miss the lease's round trip, but each is a command of its own where an `MGET`
 * carries any number of keys for one: a tick of many keys (`findByIds`, a burst of concurrent reads) stays one
 * command.
 */
const MAX_LEASING_READS_PER_TICK = 32;

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
 *
 * A read may ask to place a lease when the key is empty: unless it fills a near cache, it is then one
 * `SET key token EX ttl NX GET` of its own, the miss's lease in the read's round trip (`get-or-lease.ts`), even in a
 * tick with other reads (up to {@link MAX_LEASING_READS_PER_TICK} such reads), which share their MGET as before.
 * Riding in the MGET, it would place its lease afterwards: one round trip more per miss, and a round trip costs
 * milliseconds on a saturated event loop (measured under YCSB A: REDIS_CACHE.md section 4).
 */
export class ReadBatcher {
  /** Commands sent since start: GETs, MGETs and SET NX GETs (a read resent as a GET counts once). */
  sent = 0;
  /** The first key of the batch being collected (most batches have one), and the others. */
  private first: Pending | null = null;
  private firstKey = '';
  private others: Map<string, Pending> | null = null;

  /**
   * @param optIn whether a read that fills a near cache must be preceded by `CLIENT CACHING YES`
   *   (client tracking in OPTIN mode: Redis then tracks only the keys read to fill near caches)
   */
  /**
   * @param leaseTtlSeconds seconds a lease placed by a read lives (the lease protocol's TTL)
   */
  constructor(
    private readonly gateway: RedisGateway,
    private readonly optIn: () => boolean = () => false,
    private readonly leaseTtlSeconds = 10,
  ) {}

  /**
   * The reply for `key` (as stored, prefixed), from the batch of this tick.
   * @param errors counter of the entity type reading it, incremented once when the command fails
   * @param track true when the reply may fill a near cache (see {@link optIn})
   * @param lease a lease token to place if the key is empty, when the read is sent alone and not tracked
   *   ({@link SharedRead.lease} then holds it); a read that joins a pending one of the same key places none
   */
  read(key: string, errors?: { errors: number }, track = false, lease?: string): Promise<SharedRead> {
    const joined = this.first === null ? undefined : key === this.firstKey ? this.first : this.others?.get(key);
    if (joined !== undefined) {
      joined.read.readers += 1;
      if (track) joined.track = true;
      if (errors !== undefined && !joined.counters.includes(errors)) joined.counters.push(errors);
      return joined.promise;
    }
    const read = new SharedRead();
    let resolve!: (read: SharedRead) => void;
    const promise = new Promise<SharedRead>((done) => (resolve = done));
    const pending: Pending = {
      read,
      track,
      resolve,
      promise,
      counters: errors === undefined ? [] : [errors],
      lease: lease ?? null,
    };
    if (this.first === null) {
      this.first = pending;
      this.firstKey = key;
      process.nextTick(this.flush);
    } else (this.others ??= new Map()).set(key, pending);
    return promise;
  }

  private readonly flush = (): void => {
    const { first, firstKey, others } = this;
    this.first = null;
    this.others = null;
    if (first === null) return;
    if (others === null) return void this.sendOne(firstKey, first);
    const batch = new Map([[firstKey, first], ...others]);
    // A few reads offering a lease are each their own SET NX GET (in one write on a standalone connection, which corks
    // a tick's commands); the other keys of the tick share one MGET, or one GET when a single key is left. Beyond
    // that many, every key rides in the MGET (one command, not one each) and its lease, if needed, follows.
    let leasing = 0;
    for (const pending of batch.values()) if (pending.lease !== null && !pending.track) leasing += 1;
    if (leasing === 0 || leasing > MAX_LEASING_READS_PER_TICK) return void this.sendMany(batch);
    for (const [key, pending] of batch)
      if (pending.lease !== null && !pending.track) {
        batch.delete(key);
        void this.sendOne(key, pending);
      }
    const [only] = batch;
    if (batch.size === 1 && only) void this.sendOne(only[0], only[1]);
    else if (batch.size > 1) void this.sendMany(batch);
  };

  /** Sends `CLIENT CACHING YES` right before the next command on `redis` when a reader will fill a near cache. */
  private optInFor(redis: StoreConnection, track: boolean): void {
    // Both are written to the socket in this synchronous block, so nothing comes in between.
    if (track && this.optIn()) redis.optInNextRead();
  }

  private async sendOne(key: string, pending: Pending): Promise<void> {
    this.sent += 1;
    const failures = { errors: 0 };
    // A tracked read stays a GET: client tracking registers the keys of read commands only, and SET is a write.
    if (pending.lease !== null && !pending.track) return this.sendLeasing(key, pending, pending.lease, failures);
    pending.read.reply = await this.gateway.run(
      'get',
      failures,
      (redis) => {
        this.optInFor(redis, pending.track);
        return redis.get(key);
      },
      false,
      [key],
    );
    if (failures.errors > 0) for (const counter of pending.counters) counter.errors += 1;
    pending.resolve(pending.read);
  }

  /**
   * One `SET NX GET`: the reply, and the lease when it placed it. A Redis whose memory is full (`noeviction`) refuses
   * that write but still answers reads: the read is then a GET, so that hits are still served.
   */
  private async sendLeasing(key: string, pending: Pending, token: string, failures: { errors: number }): Promise<void> {
    const ttl = this.leaseTtlSeconds;
    const leased = await this.gateway.run('get', failures, (redis) => redis.getOrLease(key, token, ttl), false, [key]);
    if (leased === OUT_OF_MEMORY) {
      pending.lease = null;
      this.sent -= 1;
      return this.sendOne(key, pending);
    }
    if (typeof leased === 'symbol') pending.read.reply = leased;
    else {
      pending.read.reply = leased.value;
      if (leased.placed) pending.read.lease = token;
    }
    if (failures.errors > 0) for (const counter of pending.counters) counter.errors += 1;
    pending.resolve(pending.read);
  }

  private async sendMany(batch: Map<string, Pending>): Promise<void> {
    this.sent += 1;
    const failures = { errors: 0 };
    const keys = [...batch.keys()];
    const track = [...batch.values()].some((pending) => pending.track);
    const replies = await this.gateway.run(
      'mget',
      failures,
      (redis) => {
        this.optInFor(redis, track);
        // One MGET standalone; on a cluster one per hash slot, pipelined per master (CROSSSLOT otherwise).
        return redis.mget(keys);
      },
      false,
      keys,
    );
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
