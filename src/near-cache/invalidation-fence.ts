/**
 * The invalidation fence of near-cache hits: a hit is served only once this process has read every invalidation Redis
 * had already written to its socket when the read started.
 *
 * Why: Redis writes the invalidation of a key to the tracking subscriber's socket in the same pass as the writer's
 * reply to its UNLINK, so when another process's write returns, the invalidation is already in this process's kernel
 * buffer. But a near hit is answered from memory: while the event loop runs callbacks (many clients, long
 * iterations under load), a read that starts after the write returned would be answered before the next poll phase
 * reads that socket: 8 stale reads of 1,088 updates in a 4-process YCSB run, each at most 105 ms late.
 *
 * How: Node's event loop runs timers, pending callbacks, poll (sockets are read, and ioredis applies each invalidation
 * synchronously in its `data` callback), then check (`setImmediate` callbacks). A read may start in any phase, and in
 * the poll phase one `setImmediate` reaches this iteration's check phase with no new poll in between. So a fence
 * resolves in the check phase after the one in which it is armed (two hops): every read that joined it before it was
 * armed started before the poll phase between the two. Reads share the open fence, so a burst of hits costs two loop
 * iterations of latency and one pair of immediates, not work per read.
 *
 * One hop is enough for a read that starts in a check phase, and the common one is known: the reads that resume when
 * a fence resolves and start their next read at once (a client reading in a loop). The fence's release is queued
 * immediately followed by a `clear` immediate, and Node runs immediates in order, draining promise jobs between two
 * of them: so between the release and its `clear`, the code running is the release's promise jobs, in this check
 * phase. A fence opened then resolves in the next check phase, which follows a poll that began after it; `clear`
 * stops it taking reads.
 *
 * What it needs from the writer: Redis writes the replies of one pass client by client, the writer's first, and may be
 * descheduled before it writes the invalidations (seen in one process: 3 of 30 writes read stale past the fence). So a
 * write by a process with near caches and the fence on waits for one more command Redis answers in a later pass
 * (`Invalidator.invalidate`, `NearCacheGroup.awaitsDelivery`), by when every invalidation is in the readers' sockets.
 * Residual windows: a writer without near caches or with the fence off does not wait, so its write may reach another
 * process's near cache up to Redis's scheduling delay late; an invalidation Redis could not write whole (the reader's
 * socket buffer full) arrives when the reader reads again. The heartbeat (`maxStalenessMs`) still bounds a Redis that
 * hangs.
 */

/** One fence: the reads that joined it wait for {@link promise}. */
interface Fence {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  /** Opened in a check phase: already armed, it resolves in the next one. */
  readonly oneHop: boolean;
}

/** Counters of a fence since start. */
export interface InvalidationFenceStats {
  /** Fences resolved: each let every read that joined it go on. */
  fences: number;
  /** Reads that waited for a fence. */
  waits: number;
}

/** The invalidation fence of one process's near caches (one per near-cache group; see the file comment). */
export class InvalidationFence {
  /** The fence a read joins now; null when none takes reads. */
  private joinable: Fence | null = null;
  /** True from a fence's release to its `clear`: code running then runs in a check phase. */
  private inCheckPhase = false;
  private readonly counters: InvalidationFenceStats = { fences: 0, waits: 0 };

  /**
   * Resolves after a poll phase that began after this call: by then every invalidation that had reached this
   * process's sockets when it was called has been applied. Never rejects.
   */
  wait(): Promise<void> {
    this.counters.waits += 1;
    let fence = this.joinable;
    if (fence === null) {
      const oneHop = this.inCheckPhase;
      let resolve!: () => void;
      const promise = new Promise<void>((settle) => (resolve = settle));
      fence = { promise, resolve, oneHop };
      this.joinable = fence;
      if (oneHop) this.release(fence);
      else setImmediate(() => this.arm(fence as Fence));
    }
    return fence.promise;
  }

  stats(): InvalidationFenceStats {
    return { ...this.counters };
  }

  /** In a check phase: no read joins `fence` any more; it resolves in the next check phase. */
  private arm(fence: Fence): void {
    if (this.joinable === fence) this.joinable = null;
    this.release(fence);
  }

  /** Queues `fence`'s release and, right behind it, the end of the window its promise jobs run in. */
  private release(fence: Fence): void {
    setImmediate(() => {
      this.inCheckPhase = true;
      this.counters.fences += 1;
      fence.resolve();
    });
    setImmediate(() => {
      this.inCheckPhase = false;
      // A one-hop fence opened by the release's promise jobs takes no read from outside this check phase.
      if (this.joinable?.oneHop) this.joinable = null;
    });
  }
}
