import { ThrottledErrorLog, type CacheLogger } from '../observability/cache-logger';
import {
  CircuitBreaker,
  type BreakerOpenReason,
  type BreakerState,
  type CircuitBreakerOptions,
} from '../trust/circuit-breaker';
import { EventLoopStalls } from '../trust/event-loop-stalls';
import type { RedisStore, StoreConnection } from './store';

/** The command was not sent (cache off, breaker open) or failed: Redis is unavailable. */
export const UNAVAILABLE: unique symbol = Symbol('unavailable');
/** Redis answered WRONGTYPE: the key holds a value of another type (a per-key data error, not an outage). */
export const WRONG_TYPE: unique symbol = Symbol('wrong-type');
/** Redis refused a write because `maxmemory` is reached under `noeviction` (an answer, not an outage). */
export const OUT_OF_MEMORY: unique symbol = Symbol('out-of-memory');
export type Failure = typeof UNAVAILABLE | typeof WRONG_TYPE | typeof OUT_OF_MEMORY;

/** Times a command whose timeout the process's own stall excuses is sent again before its failure is reported. */
const STALL_RETRIES = 2;

/** Options of a {@link RedisGateway}. */
export interface RedisGatewayOptions {
  circuitBreaker?: CircuitBreakerOptions | undefined;
  logger: CacheLogger;
}

/**
 * The guarded door to Redis: every command goes through {@link run}, which never throws. A
 * timeout or connection error is logged (throttled), counted and reported as
 * {@link UNAVAILABLE}; consecutive ones open the circuit breaker (REDIS_CACHE.md, section 5). Errors
 * about one key's content (WRONGTYPE) or a full memory (OOM) are answers from a live server:
 * they are reported as such and never count toward the breaker, so one bad key cannot turn
 * the cache off for every entity.
 *
 * Nor does a timeout this process caused: when its event loop was stalled for at least a quarter of a command's wait
 * ({@link EventLoopStalls}), the reply may have been sitting unread in the socket, so the timeout says nothing about
 * Redis. Such a command is sent again (at most twice; every command the cache sends may be repeated, lease.ts) and,
 * if it fails again that way, reported as {@link UNAVAILABLE} without counting toward the breaker. A busy process
 * thus keeps its breaker closed and its writes' invalidations synchronous, while a Redis that hangs under a
 * responsive loop opens it as before. The wait is then the stall plus at most one command timeout per attempt.
 *
 * The breaker starts open and opens again whenever a connection closes: a (re)connected Redis
 * may hold a dataset from before invalidations we delivered (a restart from a snapshot, a
 * failover), so nothing is trusted until `probe` (the invalidation protocol's recovery) has
 * validated it. Probing starts as soon as a connection is ready.
 *
 * What makes the cache untrusted and which replies may be used depends on the topology, and
 * the store's {@link StoreTopology} says it (one server: connection events; a cluster: the slot
 * map and the masters validated, `cluster/cluster-store.ts`); the gateway never asks which.
 */
export class RedisGateway {
  readonly enabled: boolean;
  /** Redis failures since start, all entity types together. */
  errorCount = 0;
  /** Commands not sent because the breaker was open. */
  bypassCount = 0;
  readonly breaker: CircuitBreaker;
  private readonly connections: readonly StoreConnection[];
  private nextConnection = 0;
  private readonly errorLog: ThrottledErrorLog;
  private readonly waiters = new Set<() => void>();
  private readonly trustListeners = new Set<(trusted: boolean) => void>();
  private readonly stalls = new EventLoopStalls();

  /**
   * @param store the connections, used in turn, and the topology's trust rules (`create-store.ts`)
   * @param probe the recovery (validates the dataset, delivers pending invalidations); the breaker closes when it
   *   returns true
   */
  constructor(
    private readonly store: RedisStore,
    enabled: boolean,
    probe: () => Promise<boolean>,
    private readonly options: RedisGatewayOptions,
  ) {
    this.enabled = enabled && store.connections.length > 0;
    this.errorLog = new ThrottledErrorLog(options.logger);
    this.breaker = new CircuitBreaker(
      probe,
      (state, reason) => this.onBreakerChange(state, reason),
      options.circuitBreaker,
    );
    this.breaker.startOpen();
    for (const client of store.clients) {
      // ioredis emits connection errors as events; without a listener Node prints them as unhandled.
      client.on('error', (error: unknown) => this.errorLog.report('connection', error));
    }
    if (this.enabled) this.stalls.start();
    if (this.enabled)
      store.topology.watch({
        distrust: (reason) => this.breaker.open(reason),
        probe: () => this.breaker.probeNow(),
        reportError: (operation, error) => this.errorLog.report(operation, error),
      });
    this.connections = store.connections;
  }

  /**
   * True when an invalidation must be sent although the breaker is open: on a cluster the other
   * masters still answer (see `StoreTopology.sendsWhileDistrusted`); on one server the breaker's
   * bypass stands, since nothing else could answer.
   */
  get sendsWhileRevalidating(): boolean {
    return this.store.topology.sendsWhileDistrusted && !this.breaker.closed;
  }

  /** True when the cache may be used: Redis answers and its dataset is validated. */
  get trusted(): boolean {
    return this.enabled && this.breaker.closed;
  }

  /** Calls `listener` whenever the cache becomes trusted (breaker closed) or stops being trusted (breaker open). */
  onTrustChange(listener: (trusted: boolean) => void): void {
    this.trustListeners.add(listener);
  }

  /**
   * Runs one command on the next connection. Never throws.
   * @param stats error counter of the entity type (e.g. its `EntityCacheStats`), incremented when the command fails
   * @param whileOpen send even though the breaker is open (the recovery probe's own commands)
   * @param reads the keys (as stored) whose values the reply carries: the reply is used only when
   *   the topology confirms it (on a cluster: validated masters answered under unchanged trust),
   *   else it is {@link UNAVAILABLE}
   * @returns the reply, or why there is none
   */
  async run<R>(
    operation: string,
    stats: { errors: number } | undefined,
    command: (connection: StoreConnection) => Promise<R>,
    whileOpen = false,
    reads?: readonly string[],
  ): Promise<R | Failure> {
    if (!this.enabled) return UNAVAILABLE;
    if (!whileOpen && !this.breaker.closed) {
      this.bypassCount += 1;
      return UNAVAILABLE;
    }
    const topology = this.store.topology;
    const ticket = reads ? topology.ticket() : 0;
    for (let attempt = 0; ; attempt += 1) {
      const sentAt = performance.now();
      try {
        const result = await command(this.connection());
        this.breaker.recordSuccess();
        if (reads && !topology.confirm(ticket, reads)) {
          this.bypassCount += 1;
          return UNAVAILABLE;
        }
        return result;
      } catch (error) {
        const failure = classify(error);
        if (failure === WRONG_TYPE) return WRONG_TYPE;
        // Timed out while this process could not read the reply: not Redis's failure (see the class comment).
        const excused = isTimeout(error) && this.stalls.excuses(sentAt);
        if (excused && attempt < STALL_RETRIES) {
          this.errorLog.report(`${operation} (stalled)`, error, STALLED_MESSAGE);
          continue;
        }
        this.errorCount += 1;
        if (stats) stats.errors += 1;
        this.errorLog.report(operation, error);
        if (failure === OUT_OF_MEMORY) return OUT_OF_MEMORY;
        if (!whileOpen && !excused) this.breaker.recordFailure();
        return UNAVAILABLE;
      }
    }
  }

  /** Opens the breaker (an invalidation could not be delivered). */
  distrust(reason: BreakerOpenReason): void {
    if (this.enabled) this.breaker.open(reason);
  }

  /**
   * Waits until the cache is trusted (connected, dataset validated).
   * @param timeoutMs milliseconds to wait
   * @returns false when disabled or not trusted in time
   */
  async waitUntilTrusted(timeoutMs: number): Promise<boolean> {
    if (!this.enabled) return false;
    if (this.trusted) return true;
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve(this.trusted);
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
    });
  }

  /** Stops probing and closes every connection (QUIT, or disconnect when it does not answer). */
  async close(): Promise<void> {
    this.stalls.stop();
    this.breaker.dispose();
    this.store.topology.dispose();
    await Promise.all(
      this.store.clients.map(async (client) => {
        try {
          await client.quit();
        } catch {
          client.disconnect();
        }
      }),
    );
  }

  /** The next connection, in turn. Ordering needs nothing more: each caller awaits its replies. */
  private connection(): StoreConnection {
    const connections = this.connections;
    if (connections.length === 1) return connections[0] as StoreConnection;
    const connection = connections[this.nextConnection] as StoreConnection;
    this.nextConnection = (this.nextConnection + 1) % connections.length;
    return connection;
  }

  private onBreakerChange(state: BreakerState, reason?: BreakerOpenReason): void {
    const { logger } = this.options;
    for (const listener of this.trustListeners) listener(state === 'closed');
    if (state === 'open') {
      const message =
        reason === 'connection'
          ? 'Redis connection lost: the cache is bypassed until the dataset is validated again'
          : reason === 'topology'
            ? 'Redis Cluster topology changed (a node lost, a failover, a slot moved): the cache is ' +
              'bypassed until every master is validated again'
            : 'Redis circuit breaker opened: reads go to the database until Redis answers';
      logger.warn({ reason, openings: this.breaker.openings }, message);
      return;
    }
    // The first validation, at start, is routine; a recovery after an opening is worth a line.
    const log = this.breaker.openings === 0 ? logger.debug : logger.info;
    log.call(
      logger,
      { errors: this.errorCount, bypassed: this.bypassCount },
      'Redis validated: pending invalidations delivered, cache in use',
    );
    for (const waiter of [...this.waiters]) waiter();
  }
}

const STALLED_MESSAGE =
  "Redis command timed out while this process's event loop was stalled: sent again, not counted as a Redis failure";

/** True for ioredis's per-command timeout (`commandTimeout`), the only failure a stalled process can cause. */
function isTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === 'Command timed out';
}

/** Which failure an ioredis error is (Lua scripts pass redis.call errors through with their code). */
function classify(error: unknown): Failure {
  const message = error instanceof Error ? error.message : '';
  if (/^WRONGTYPE\b|\bWRONGTYPE Operation/.test(message)) return WRONG_TYPE;
  if (/^OOM\b|\bOOM command not allowed/.test(message)) return OUT_OF_MEMORY;
  return UNAVAILABLE;
}
