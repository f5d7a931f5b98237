/** The shapes client tracking takes and reports (client-tracking.ts, cluster/cluster-tracking.ts). */

import type { CacheLogger } from '../observability/cache-logger';

/**
 * `default`: Redis remembers, per key, which connections read it, and tells only those (a
 * tracking table on the server); in OPTIN mode, so only the reads that fill a near cache (sent
 * after `CLIENT CACHING YES`) are remembered, not every GET, lease or store of the connection.
 * `broadcast`: every change of a key under the prefix is sent to every process (`BCAST
 * PREFIX`), no table.
 */
export type TrackingMode = 'default' | 'broadcast';

/** What a `ClientTracking` (client-tracking.ts) reports. */
export interface TrackingListener {
  /** Keys (as stored in Redis) that changed; `null`: every key (FLUSHALL, FLUSHDB). */
  invalidated(keys: readonly string[] | null): void;
  /** Tracking became trustworthy (true) or stopped being so (false). */
  activeChanged(active: boolean): void;
}

/** Options of a `ClientTracking` (client-tracking.ts). Times are milliseconds. */
export interface ClientTrackingOptions {
  mode: TrackingMode;
  /** Prefix of the keys to broadcast, with its trailing `:` (`broadcast` mode only). */
  prefix: string;
  /** Milliseconds between two PINGs of the subscriber. @default 100 */
  heartbeatIntervalMs?: number;
  /** Milliseconds a PING may take before the subscriber is considered lost and reconnected. @default 1000 */
  heartbeatTimeoutMs?: number;
  /**
   * Milliseconds after sending its last answered PING during which the subscriber counts as caught up (see
   * `ClientTracking.confirmedUntil`). @default 250
   */
  maxStalenessMs?: number;
  logger: CacheLogger;
}

/**
 * What a near-cache group needs of a tracking: `ClientTracking` (client-tracking.ts) on one server, or
 * `ClusterTracking` (cluster/cluster-tracking.ts) over every master of a Redis Cluster.
 */
export interface TrackingSource {
  /** Invalidation messages received since start. */
  readonly messages: number;
  /** `performance.now()` time until which entries may be served (see `ClientTracking.confirmedUntil`). */
  readonly confirmedUntil: number;
  /** Stops reporting to `listener`; the last one to leave closes the connections. */
  release(listener: TrackingListener): void;
}
