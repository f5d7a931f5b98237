/**
 * The public shape of a throwaway test cluster (`cachedrepo/testing`): how {@link startRedisCluster} builds it, and the
 * handles it returns. The implementation lives in redis-cluster.ts (start-up), redis-cluster-handle.ts (the handle),
 * redis-cluster-state.ts (what the running nodes agree on) and redis-cluster-failover.ts.
 */
import type { RedisServerTlsFiles } from './redis-server';

/** How {@link startRedisCluster} builds the cluster. Timeouts are milliseconds. */
export interface RedisClusterOptions {
  /** Masters (shards); the 16384 slots are split evenly in this order. @default 3 */
  masters?: number;
  /** Replicas of each master (a crash failover needs one). @default 0 */
  replicasPerMaster?: number;
  /** More redis-server arguments for every node. */
  args?: string[];
  /** `requirepass` and `masterauth` of every node: clients and replicas must authenticate. */
  password?: string;
  /**
   * Serve TLS only, on clients, replication and the cluster bus (`--tls-cluster yes`). The
   * bus always authenticates its peers, so the certificate must also allow client
   * authentication (`extendedKeyUsage=serverAuth,clientAuth`); with `serverAuth` alone the
   * nodes never learn of each other and start-up fails.
   */
  tls?: RedisServerTlsFiles;
  /** `cluster-node-timeout`: how long a master may be unreachable before its replica takes over. @default 1000 */
  nodeTimeoutMs?: number;
}

/**
 * `crash`: SIGKILL the master and wait for its replica's election; the others are `CLUSTER FAILOVER [FORCE|TAKEOVER]`
 * run on the replica.
 */
export type FailoverMode = 'crash' | 'manual' | 'force' | 'takeover';

/** What {@link RedisClusterHandle.failover} did. */
export interface FailoverResult {
  /** The former master (stopped after a crash). */
  from: RedisClusterNodeHandle;
  /** The promoted replica. */
  to: RedisClusterNodeHandle;
  /**
   * `Date.now()` once the killed master had exited (crash), or when FAILOVER was sent: no reply from the old master can
   * come later.
   */
  startedAt: number;
  /**
   * Milliseconds from the kill (or the FAILOVER command) until every running node reported the new master and
   * `cluster_state:ok`.
   */
  ms: number;
}

/** One redis-server of the cluster. */
export interface RedisClusterNodeHandle {
  readonly host: string;
  readonly port: number;
  /** The node ID (CLUSTER MYID), stable across restarts (kept in its nodes.conf). */
  readonly id: string;
  /** False after a kill or a stop, until a restart. */
  readonly running: boolean;
  /** Sends a signal to the process (SIGSTOP, SIGCONT...). */
  signal(signal: NodeJS.Signals): void;
  /** SIGKILL, resolved once the process has exited. */
  kill(): Promise<void>;
  /**
   * Starts the process again on the same ports with its nodes.conf: it rejoins (an ousted master as a replica), with an
   * empty dataset.
   */
  restart(): Promise<void>;
  /** The last lines of this node's log (for a failure message). */
  logTail(): string;
  /**
   * Sends one command to this node alone (authenticated, over TLS when the cluster uses it). @throws {Error} on an
   * error reply or no answer within 2 s
   */
  command(...args: string[]): Promise<string | number | null>;
}

/** A running cluster, see {@link startRedisCluster}. */
export interface RedisClusterHandle {
  /** Masters first (shard order), then the replicas. Roles change with failovers: ask {@link masterOf}. */
  readonly nodes: readonly RedisClusterNodeHandle[];
  /** The initial masters, as seeds for a client: `[{ host, port }]`. */
  readonly seeds: readonly { host: string; port: number }[];
  /** The seeds as `REDIS_CLUSTER_NODES` takes them: `127.0.0.1:7001,127.0.0.1:7002,...`. */
  readonly nodesList: string;
  /** `redis://127.0.0.1:port` (or `rediss://`) of the first seed. */
  readonly url: string;
  /** Number of shards (masters). */
  readonly shards: number;
  /** The node that currently owns shard `shard`'s slots (as the running nodes agree). */
  masterOf(shard: number): Promise<RedisClusterNodeHandle>;
  /** The running replicas of shard `shard`. */
  replicasOf(shard: number): Promise<RedisClusterNodeHandle[]>;
  /**
   * Fails shard `shard` over to its first running replica and waits until the cluster is
   * healthy ({@link waitUntilHealthy}, apart from the killed node).
   * @throws {Error} when the shard has no running replica, or the cluster is not healthy within `timeoutMs` (default 30
   *   s)
   */
  failover(shard: number, mode?: FailoverMode, timeoutMs?: number): Promise<FailoverResult>;
  /**
   * Waits until every running node reports `cluster_state:ok`, they agree on each shard's
   * master, every master is running, and every running replica's link to its master is up.
   * @throws {Error} with the last reason after `timeoutMs` (default 20 s)
   */
  waitUntilHealthy(timeoutMs?: number): Promise<void>;
  /** Kills every process by PID and removes the directories. */
  stop(): Promise<void>;
}

/** The slots of a Redis Cluster: a key hashes to one of them (CRC16 of its hash tag, modulo 16384). */
export const CLUSTER_SLOT_COUNT = 16384;
