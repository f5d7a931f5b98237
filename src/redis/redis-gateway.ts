import type { Cluster, Redis } from 'ioredis';
import { ThrottledErrorLog, type CacheLogger } from '../observability/cache-logger';
import {
  CircuitBreaker,
  type BreakerOpenReason,
  type BreakerState,
  type CircuitBreakerOptions,
} from '../trust/circuit-breaker';
import { ClusterGatewaySupport } from './cluster/cluster-gateway';
import { isCluster } from './cluster/slot-groups';
import { validateDataset, type ClearedDataset, type DatasetValidation } from './dataset-validation';
import { CacheOptionsError } from '../errors';
import { ACQUIRE_LEASE_LUA, RELEASE_LEASE_LUA, STORE_IF_LEASED_LUA } from '../protocol/lease';

/** The command was not sent (cache off, breaker open) or failed: Redis is unavailable. */
export const UNAVAILABLE: unique symbol = Symbol('unavailable');
/** Redis answered WRONGTYPE: the key holds a value of another type (a per-key data error, not an outage). */
export const WRONG_TYPE: unique symbol = Symbol('wrong-type');
/** Redis refused a write because `maxmemory` is reached under `noeviction` (an answer, not an outage). */
export const OUT_OF_MEMORY: unique symbol = Symbol('out-of-memory');
export type Failure = typeof UNAVAILABLE | typeof WRONG_TYPE | typeof OUT_OF_MEMORY;

/**
 * An ioredis client with the cache's Lua scripts defined on it. On a cluster it is the ioredis
 * `Cluster` (typed as `Redis`: it has the same single-key commands, each routed by its key's
 * slot); multi-key commands must go through `cluster/slot-groups.ts` and `cluster/masters.ts`,
 * which split them per slot or send them to every master.
 */
export type ScriptedRedis = Redis & {
  acquireLease(key: string, token: string, ttlSeconds: number, rejected?: string): Promise<number>;
  storeIfLeased(key: string, token: string, raw: string, ttlSeconds: number): Promise<number>;
  releaseLease(key: string, token: string): Promise<number>;
};

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
 * The breaker starts open and opens again whenever a connection closes: a (re)connected Redis
 * may hold a dataset from before invalidations we delivered (a restart from a snapshot, a
 * failover), so nothing is trusted until `probe` (the invalidation protocol's recovery) has
 * validated it. Probing starts as soon as a connection is ready.
 *
 * Given an ioredis `Cluster` (one client, alone in the list), trust follows the cluster's
 * topology instead of one connection's events (`cluster/cluster-gateway.ts`): the recovery
 * validates every master, a read is confirmed against the masters validated, and a node lost
 * or a slot map naming an unvalidated master opens the breaker.
 */
export class RedisGateway {
  readonly enabled: boolean;
  /** Redis failures since start, all entity types together. */
  errorCount = 0;
  /** Commands not sent because the breaker was open. */
  bypassCount = 0;
  readonly breaker: CircuitBreaker;
  private readonly clients: readonly ScriptedRedis[];
  private nextClient = 0;
  private readonly errorLog: ThrottledErrorLog;
  private readonly waiters = new Set<() => void>();
  private readonly trustListeners = new Set<(trusted: boolean) => void>();
  /** Set when the client is a Redis Cluster. */
  private readonly cluster: ClusterGatewaySupport | null = null;

  /**
   * @param redis standalone connections, used in turn, or one ioredis `Cluster`
   * @param probe the recovery (validates the dataset, delivers pending invalidations); the breaker closes when it
   *   returns true
   * @throws {CacheOptionsError} when a `Cluster` is given with other clients
   */
  constructor(
    redis: readonly (Redis | Cluster)[],
    enabled: boolean,
    probe: () => Promise<boolean>,
    private readonly options: RedisGatewayOptions,
  ) {
    this.enabled = enabled && redis.length > 0;
    this.errorLog = new ThrottledErrorLog(options.logger);
    this.breaker = new CircuitBreaker(
      probe,
      (state, reason) => this.onBreakerChange(state, reason),
      options.circuitBreaker,
    );
    this.breaker.startOpen();
    const cluster = redis.find(isCluster);
    if (cluster && redis.length > 1)
      throw new CacheOptionsError(
        'a Redis Cluster client must be the only client of a cache service (it opens its own connection to every node)',
      );
    if (cluster && this.enabled) {
      this.cluster = new ClusterGatewaySupport(
        cluster,
        () => this.breaker.open('topology'),
        () => this.breaker.probeNow(),
      );
      cluster.on('node error', (error: unknown) => this.errorLog.report('cluster node', error));
      if (cluster.status === 'ready') this.breaker.probeNow();
    }
    for (const client of redis) {
      // ioredis emits connection errors as events; without a listener Node prints them as unhandled.
      client.on('error', (error: unknown) => this.errorLog.report('connection', error));
      if (!('acquireLease' in client)) {
        client.defineCommand('acquireLease', { numberOfKeys: 1, lua: ACQUIRE_LEASE_LUA });
        client.defineCommand('storeIfLeased', { numberOfKeys: 1, lua: STORE_IF_LEASED_LUA });
        client.defineCommand('releaseLease', { numberOfKeys: 1, lua: RELEASE_LEASE_LUA });
      }
      // A cluster's connection events are the topology guard's (ClusterGatewaySupport).
      if (!this.enabled || isCluster(client)) continue;
      client.on('close', () => this.breaker.open('connection'));
      client.on('ready', () => this.breaker.probeNow());
      if (client.status === 'ready') this.breaker.probeNow();
    }
    this.clients = redis as readonly ScriptedRedis[];
  }

  /** True when the client is a Redis Cluster. */
  get isCluster(): boolean {
    return this.cluster !== null;
  }

  /**
   * True on a cluster while the breaker is open (a failover, a node lost, failed commands): the
   * other masters still answer, so an invalidation is sent at once (bounded by the command
   * timeout) rather than left pending until this process validated every master again, which
   * would let processes that already did serve the entry meanwhile (seen in the multi-process
   * failover test). On one server the breaker's bypass stands: nothing else could answer.
   */
  get sendsWhileRevalidating(): boolean {
    return this.cluster !== null && !this.breaker.closed;
  }

  /** True when the cache may be used: Redis answers and its dataset is validated. */
  get trusted(): boolean {
    return this.enabled && this.breaker.closed;
  }

  /** The data connections, in the order commands go to them (one `Cluster`, typed as `Redis`, on a cluster). */
  get connections(): readonly Redis[] {
    return this.clients;
  }

  /** Calls `listener` whenever the cache becomes trusted (breaker closed) or stops being trusted (breaker open). */
  onTrustChange(listener: (trusted: boolean) => void): void {
    this.trustListeners.add(listener);
  }

  /**
   * Runs one command on the next connection. Never throws.
   * @param stats error counter of the entity type (e.g. its `EntityCacheStats`), incremented when the command fails
   * @param whileOpen send even though the breaker is open (the recovery probe's own commands)
   * @param reads the keys (as stored) whose values the reply carries: on a cluster, the reply is
   *   used only if they were answered by validated masters under unchanged trust, else it is
   *   {@link UNAVAILABLE} (see `cluster/cluster-gateway.ts`); ignored standalone
   * @returns the reply, or why there is none
   */
  async run<R>(
    operation: string,
    stats: { errors: number } | undefined,
    command: (redis: ScriptedRedis) => Promise<R>,
    whileOpen = false,
    reads?: readonly string[],
  ): Promise<R | Failure> {
    if (!this.enabled) return UNAVAILABLE;
    if (!whileOpen && !this.breaker.closed) {
      this.bypassCount += 1;
      return UNAVAILABLE;
    }
    const ticket = reads && this.cluster ? this.cluster.ticket() : 0;
    try {
      const result = await command(this.client());
      this.breaker.recordSuccess();
      if (reads && this.cluster && !this.cluster.confirm(ticket, reads)) {
        this.bypassCount += 1;
        return UNAVAILABLE;
      }
      return result;
    } catch (error) {
      const failure = classify(error);
      if (failure === WRONG_TYPE) return WRONG_TYPE;
      this.errorCount += 1;
      if (stats) stats.errors += 1;
      this.errorLog.report(operation, error);
      if (failure === OUT_OF_MEMORY) return OUT_OF_MEMORY;
      if (!whileOpen) this.breaker.recordFailure();
      return UNAVAILABLE;
    }
  }

  /**
   * Restore detection on whatever `redis` is (run by the recovery probe): `validateDataset` on
   * a standalone server; on a cluster, every master validated and then trusted by the topology guard.
   * @param prefix the key prefix with its trailing `:`
   * @param onCleared called for each clearing as soon as it is done (on a cluster, per master,
   *   even when the validation of another master then fails and the probe retries)
   * @throws the Redis error, or an Error when a cluster's topology changed meanwhile (the probe retries)
   */
  async validateDataset(
    redis: ScriptedRedis,
    prefix: string,
    batchSize: number,
    onCleared: (cleared: ClearedDataset) => void,
  ): Promise<DatasetValidation> {
    if (this.cluster) return this.cluster.validate(prefix, batchSize, onCleared);
    const validation = await validateDataset(redis, prefix, batchSize);
    if (validation.cleared) onCleared({ runId: validation.runId, removed: validation.removed });
    return validation;
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
    this.breaker.dispose();
    this.cluster?.dispose();
    await Promise.all(
      this.clients.map(async (client) => {
        try {
          await client.quit();
        } catch {
          client.disconnect();
        }
      }),
    );
  }

  /** The next connection, in turn. Ordering needs nothing more: each caller awaits its replies. */
  private client(): ScriptedRedis {
    if (this.clients.length === 1) return this.clients[0] as ScriptedRedis;
    const client = this.clients[this.nextClient] as ScriptedRedis;
    this.nextClient = (this.nextClient + 1) % this.clients.length;
    return client;
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

/** Which failure an ioredis error is (Lua scripts pass redis.call errors through with their code). */
function classify(error: unknown): Failure {
  const message = error instanceof Error ? error.message : '';
  if (/^WRONGTYPE\b|\bWRONGTYPE Operation/.test(message)) return WRONG_TYPE;
  if (/^OOM\b|\bOOM command not allowed/.test(message)) return OUT_OF_MEMORY;
  return UNAVAILABLE;
}
