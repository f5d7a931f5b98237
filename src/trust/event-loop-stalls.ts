import { DEFAULTS } from '../defaults';

/** Options of an {@link EventLoopStalls}. Times are milliseconds. */
export interface EventLoopStallsOptions {
  /** Milliseconds between two ticks of the sampling timer. @default 20 */
  intervalMs?: number;
  /** Stalls remembered (the oldest are forgotten first). @default 256 */
  capacity?: number;
}

/** Lateness of a tick below which it is timer jitter, not a stall, in milliseconds. */
const JITTER_MS = 2;

/**
 * When this process's event loop was stalled: blocked by synchronous work (a busy loop, a
 * synchronous driver, a query compiled on first use, a long GC) or not scheduled at all (a CPU
 * shared with other processes). A timer ticks every `intervalMs`; a tick that runs late
 * shows that the loop could not run anything, I/O callbacks included, from when it was due until it ran.
 * (Node's `perf_hooks.monitorEventLoopDelay` measures the same lateness, but as a histogram
 * without times, so it cannot say whether a stall fell within one command's wait.)
 *
 * What it is for: a Redis command that timed out while the loop was stalled says nothing about
 * Redis. Its reply may have been waiting in the socket while the loop was blocked; once the loop
 * runs again, Node fires due timers before it reads sockets, so the command's timeout fires first
 * (redis-gateway.ts).
 */
export class EventLoopStalls {
  private readonly intervalMs: number;
  private readonly starts: number[];
  private readonly ends: number[];
  private next = 0;
  private lastTick = performance.now();
  private timer: NodeJS.Timeout | null = null;

  constructor(options: EventLoopStallsOptions = {}) {
    this.intervalMs = options.intervalMs ?? DEFAULTS.eventLoopSampleIntervalMs;
    const capacity = options.capacity ?? DEFAULTS.eventLoopStallsKept;
    this.starts = new Array<number>(capacity).fill(0);
    this.ends = new Array<number>(capacity).fill(0);
  }

  /** Starts sampling (an unref'd timer: it never keeps the process alive). */
  start(): void {
    if (this.timer) return;
    this.lastTick = performance.now();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Milliseconds, between `from` and `to` (`performance.now()` times), during which the loop was
   * stalled, including a stall still under way (the caller runs right after it, before the next tick).
   */
  stalledBetween(from: number, to: number): number {
    let stalled = overlap(this.lastTick + this.intervalMs, performance.now(), from, to);
    for (let index = 0; index < this.starts.length; index += 1)
      stalled += overlap(this.starts[index] as number, this.ends[index] as number, from, to);
    return stalled;
  }

  /**
   * True when the loop was stalled for at least a quarter of the time from `sentAt` until now:
   * then a timeout of a command sent at `sentAt` is inconclusive (see the class comment). A
   * command that hung in Redis while the loop ran freely is never excused, so a hung Redis still
   * opens the breaker.
   */
  excuses(sentAt: number): boolean {
    const now = performance.now();
    return this.stalledBetween(sentAt, now) * 4 >= now - sentAt;
  }

  private tick(): void {
    const now = performance.now();
    const due = this.lastTick + this.intervalMs;
    if (now - due >= JITTER_MS) {
      this.starts[this.next] = due;
      this.ends[this.next] = now;
      this.next = (this.next + 1) % this.starts.length;
    }
    this.lastTick = now;
  }
}

/** Length of the intersection of [start, end] and [from, to]. */
function overlap(start: number, end: number, from: number, to: number): number {
  return Math.max(0, Math.min(end, to) - Math.max(start, from));
}
