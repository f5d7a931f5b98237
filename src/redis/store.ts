import type { Cluster, Redis } from 'ioredis';
import type { ClientTrackingOptions, TrackingListener } from '../near-cache/client-tracking';
import type { ClusterTracking } from './cluster/cluster-tracking';
import type { ClearedDataset, DatasetValidation } from './dataset-validation';
import type { LeasedRead } from './get-or-lease';

/**
 * The commands of the cache protocol, the same on one server and on a Redis Cluster: every
 * protocol module (reads, leases, invalidations, the outbox) talks to Redis through this and
 * never asks which topology it runs on. Keys are as stored (prefixed). Each method may throw
 * the Redis error; the gateway (`redis-gateway.ts`) turns errors into failures.
 */
export interface StoreConnection {
  get(key: string): Promise<string | null>;
  /**
   * A GET that places a lease (`token`, for `ttlSeconds` seconds) in the same round trip when the key is empty:
   * `SET key token EX ttlSeconds NX GET` (`get-or-lease.ts`). A write command: never for a read that fills a
   * near cache (client tracking registers keys on read commands only).
   */
  getOrLease(key: string, token: string, ttlSeconds: number): Promise<LeasedRead>;
  /** One MGET on a server; one per hash slot, pipelined per master, on a cluster (CROSSSLOT otherwise). */
  mget(keys: readonly string[]): Promise<(string | null)[]>;
  /** `SET key value EX ttlSeconds NX`: true when it was set. */
  setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean>;
  /**
   * Runs a Lua script: EVALSHA, falling back to EVAL when the server does not have it cached
   * (see {@link loadScripts}).
   */
  script(lua: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown>;
  /**
   * SCRIPT LOAD of `scripts` on the server (every master on a cluster). The recovery probe runs it
   * before the cache is trusted, so that EVALSHA finds them: a NOSCRIPT fallback costs a round
   * trip, and a store sent after it would reach Redis after reads sent meanwhile.
   */
  loadScripts(scripts: readonly LuaScript[]): Promise<void>;
  /** UNLINK of every key; split per hash slot on a cluster. @returns keys removed */
  unlink(keys: readonly string[]): Promise<number>;
  /**
   * UNLINK of every key with a write receipt placed beside each (`receipts.ts`: `SET <receipt key> receipt PX ttlMs`),
   * atomically per slot; one script on a server, one per hash slot on a cluster. @returns keys removed
   */
  unlinkWithReceipt(keys: readonly string[], receipt: string, ttlMs: number): Promise<number>;
  /** SCAN + UNLINK of the keys matching a glob, on every master. Cost grows with the keyspace. @returns keys removed */
  scanAndUnlink(match: string, batchSize: number): Promise<number>;
  /**
   * `CLIENT CACHING YES` written right before the next command on the connection that command
   * goes to (client tracking in OPTIN mode tracks only the keys read after it).
   */
  optInNextRead(): void;
  /**
   * Restore detection: validates the dataset this connection reaches (every master on a
   * cluster), clearing `prefix` wherever it may predate our invalidations, and reports each
   * clearing as soon as it is done (`dataset-validation.ts`).
   * @param prefix the key prefix with its trailing `:`; never empty (it would clear the keyspace)
   * @throws the Redis error, or an Error when the topology changed meanwhile (the probe retries)
   */
  validateDataset(
    prefix: string,
    batchSize: number,
    onCleared: (cleared: ClearedDataset) => void,
  ): Promise<DatasetValidation>;
}

/** A Lua script with its SHA1, computed once (`scripts.ts`). */
export interface LuaScript {
  readonly lua: string;
  readonly sha: string;
}

/** What the topology tells the gateway: when the cache stops being trusted, when to probe, what failed. */
export interface TrustHooks {
  distrust(reason: 'connection' | 'topology'): void;
  probe(): void;
  reportError(operation: string, error: unknown): void;
}

/**
 * When the cache may trust what Redis holds, per topology (REDIS_CACHE.md, sections 5 and 12):
 * on one server, trust follows the connections' events and restore detection validates that
 * server; on a cluster, it follows the slot map and every master is validated, and a read is
 * used only when validated masters answered it under unchanged trust.
 */
export interface StoreTopology {
  /** Starts following connection or topology events (once, by the gateway). */
  watch(hooks: TrustHooks): void;
  /** Taken before a read is sent; see {@link confirm}. */
  ticket(): number;
  /** True when the reply of a read of `keys` sent under `ticket` may be used. */
  confirm(ticket: number, keys: readonly string[]): boolean;
  /**
   * True when an invalidation is sent even while the breaker is open: on a cluster other masters
   * still answer, so a write's UNLINK is not left pending behind one master's failover.
   */
  readonly sendsWhileDistrusted: boolean;
  /** Stops following events. */
  dispose(): void;
}

/** How near caches learn of changes on this topology (client tracking, `near-cache/`). */
export interface NearCacheTracking {
  /** The data connections, whose reads Redis tracks. */
  readonly clients: readonly Redis[];
  /** Tracking mode every near cache must use here, whatever was asked (broadcast on a cluster). */
  readonly forcedMode: 'broadcast' | undefined;
  /** Per-master tracking on a cluster (`cluster/cluster-tracking.ts`); undefined on one server. */
  readonly acquireClusterTracking: AcquireClusterTracking | undefined;
}

/** Starts a cluster's per-master tracking for one near-cache group. */
export type AcquireClusterTracking = (
  options: ClientTrackingOptions,
  listener: TrackingListener,
) => ClusterTracking | null;

/** Redis as the cache sees it: connections used in turn, the topology's trust rules, near-cache tracking. */
export interface RedisStore {
  readonly connections: readonly StoreConnection[];
  readonly topology: StoreTopology;
  readonly tracking: NearCacheTracking;
  /** The ioredis clients given (one `Cluster`, or standalone connections), for their events and closing. */
  readonly clients: readonly (Redis | Cluster)[];
}
