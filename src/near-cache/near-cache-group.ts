import type { Redis } from 'ioredis';
import type { CacheLogger } from '../observability/cache-logger';
import {
  ClientTracking,
  type ClientTrackingOptions,
  type TrackingListener,
  type TrackingMode,
  type TrackingSource,
} from './client-tracking';
import { NearCache, type NearCacheOptions, type NearCacheStats } from './near-cache';
import { NearCachePeers, type NearCachePeer } from './near-cache-peers';
import type { Serializer } from '../repository/serializer';
import { DEFAULTS } from '../defaults';
import { InvalidationFence, type InvalidationFenceStats } from './invalidation-fence';

/** Options of the near caches of one CacheService. Times are milliseconds. */
export interface NearCacheServiceOptions {
  /**
   * When false, strategies' near caches are never created (CACHE_NEAR_CACHE_ENABLED). Off unless asked for: a near
   * cache costs memory and a tracking connection, and without {@link invalidationFence} relaxes cross-process
   * freshness to the tracking delay (REDIS_CACHE.md, section 11). @default false (true when `nearCache` is given as
   * an object)
   */
  enabled?: boolean;
  /** How Redis reports changes (see {@link TrackingMode}). @default 'default' */
  trackingMode?: TrackingMode;
  /** Milliseconds between two PINGs of the invalidation connection. @default 100 */
  heartbeatIntervalMs?: number;
  /** Milliseconds a PING may take before the invalidation connection is reset. @default 1000 */
  heartbeatTimeoutMs?: number;
  /**
   * Longest time, in milliseconds, a near cache may serve an entry after Redis changed its key
   * when this process stops hearing from Redis without a connection closing (Redis hung, packets
   * dropped): near caches serve only within this long after sending the last PING Redis
   * answered (CACHE_NEAR_CACHE_MAX_STALENESS). @default 250
   */
  maxStalenessMs?: number;
  /**
   * When true, a near-cache hit is served only after this process's event loop has read its sockets once since the
   * read started (`invalidation-fence.ts`), so an invalidation Redis had sent when another process's write returned
   * is applied first: such a read is fresh, not up to an event-loop iteration late (CACHE_NEAR_CACHE_FENCE). It
   * costs each hit one or two event-loop iterations of latency (a few microseconds when idle), shared by the hits
   * under way. False serves hits synchronously from memory: for a single process, or when writes of other processes
   * may be seen up to an iteration of this process's event loop late. @default true
   */
  invalidationFence?: boolean;
  /**
   * Other CacheServices of this process whose near caches must see this one's writes at once, and whose writes this
   * one's near caches must see at once: the same {@link NearCachePeers} given to each. A service with
   * `enabled: false` may join too (its writes then reach the others' near caches). @default none: only this service's
   * own writes are dropped at once; others' reach its near caches through Redis, as another process's do
   */
  peers?: NearCachePeers;
}

/** What {@link CacheService.health} reports about the near caches. */
export interface NearCacheHealth {
  enabled: boolean;
  /**
   * `off`: no strategy asked for a near cache (or they are disabled); `active`: entries are served; `inactive`:
   * bypassed until tracking is re-established and Redis validated.
   */
  tracking: 'off' | 'active' | 'inactive';
  mode: TrackingMode;
  /** Invalidation messages received from Redis. */
  messages: number;
  /** Times the near caches were flushed because tracking or Redis stopped being trustworthy. */
  flushes: number;
  /** The invalidation fence's counters; null when it is off (`invalidationFence: false`). */
  fence: InvalidationFenceStats | null;
  caches: NearCacheStats[];
}

/**
 * The near caches of one CacheService and what keeps them coherent with Redis:
 * - they serve only while client tracking is active AND the cache trusts Redis (its breaker
 *   is closed, so its dataset is validated); the moment either stops, every near cache is
 *   flushed and every fill under way cancelled;
 * - and only while the invalidation connection answered a heartbeat PING sent less than
 *   `maxStalenessMs` ago (`ClientTracking.confirmedUntil`), which bounds staleness when Redis
 *   hangs or the network drops packets without closing anything;
 * - an invalidation from Redis drops the key (or everything, for FLUSHALL);
 * - a write through this CacheService drops its keys from its near caches, and from those of its
 *   {@link NearCachePeers} if it was given some, before its UNLINK is sent and again when it has
 *   been applied, so the next read through any of them sees the write without waiting for
 *   Redis's message. Other CacheServices of the process hear of it from Redis.
 */
export class NearCacheGroup implements TrackingListener, NearCachePeer {
  readonly enabled: boolean;
  readonly mode: TrackingMode;
  private readonly caches = new Map<string, NearCache>();
  /** This group and the groups it shares writes with (its own set when no peers were given). */
  private readonly peers: NearCachePeers;
  /** What every near cache of this group makes a hit wait for; null when hits are served at once. */
  private readonly fence: InvalidationFence | null;
  private tracking: TrackingSource | null = null;
  private trackingActive = false;
  private trusted = false;
  private serving = false;
  private flushes = 0;
  private closed = false;
  private readonly isServing = (now: number): boolean =>
    this.serving && now < (this.tracking as TrackingSource).confirmedUntil;

  /**
   * @param prefix the key prefix with its trailing `:`
   * @param clients the data connections to track
   * @param subscriber opens the connection that receives invalidations
   * @param acquire starts (or joins) the tracking instead of {@link ClientTracking.acquire} on
   *   `clients`: a Redis Cluster's tracking of every master (cluster/cluster-tracking.ts)
   */
  constructor(
    private readonly prefix: string,
    private readonly clients: readonly Redis[],
    private readonly subscriber: () => Redis,
    private readonly logger: CacheLogger,
    private readonly options: NearCacheServiceOptions = {},
    private readonly acquire?: (options: ClientTrackingOptions, listener: TrackingListener) => TrackingSource | null,
  ) {
    this.enabled = (options.enabled ?? true) && clients.length > 0;
    this.mode = options.trackingMode ?? 'default';
    this.peers = options.peers ?? new NearCachePeers();
    this.peers.join(this);
    this.fence = (options.invalidationFence ?? DEFAULTS.nearCacheInvalidationFence) ? new InvalidationFence() : null;
  }

  /**
   * The near cache of `entityType`, created with `options` on first use (later calls get the
   * same one); tracking starts with the first.
   * @returns null when near caching is disabled, or the connections are tracked for another set
   * @throws {StrategyError} for bounds that are not positive whole numbers
   */
  cacheFor(entityType: string, options: NearCacheOptions, serializer: Serializer): NearCache | null {
    if (!this.enabled || this.closed) return null;
    const existing = this.caches.get(entityType);
    if (existing) return existing;
    const cache = new NearCache(entityType, options, serializer, this.isServing, this.fence);
    if (this.tracking === null) {
      const trackingOptions: ClientTrackingOptions = {
        mode: this.mode,
        prefix: this.prefix,
        logger: this.logger,
        heartbeatIntervalMs: this.options.heartbeatIntervalMs,
        heartbeatTimeoutMs: this.options.heartbeatTimeoutMs,
        maxStalenessMs: this.options.maxStalenessMs,
      };
      this.tracking = this.acquire
        ? this.acquire(trackingOptions, this)
        : ClientTracking.acquire(this.clients, this.subscriber, trackingOptions, this);
      if (this.tracking === null) {
        this.logger.warn(
          { entityType },
          'Redis connections already tracked for another set of connections: near cache off for this CacheService',
        );
        return null;
      }
    }
    this.caches.set(entityType, cache);
    return cache;
  }

  /**
   * True when a write through this CacheService waits, after its UNLINK, for a command Redis answers in a later
   * pass of its event loop (`Invalidator.invalidate`): Redis writes the UNLINK's reply before the invalidations it
   * sends other processes' near caches in the same pass, and may be descheduled in between, so only such an answer
   * proves they are in those processes' sockets, where the invalidation fence finds them. On with near caches and
   * the fence.
   */
  get awaitsDelivery(): boolean {
    return this.enabled && this.fence !== null;
  }

  /** Redis reported changed keys (prefixed), or `null` for all. */
  invalidated(keys: readonly string[] | null): void {
    if (keys === null) return this.flush(false);
    this.dropPrefixed(keys);
  }

  activeChanged(active: boolean): void {
    this.trackingActive = active;
    this.update();
  }

  /** The cache's breaker closed (Redis validated) or opened. */
  setTrusted(trusted: boolean): void {
    this.trusted = trusted;
    this.update();
  }

  /** A write through this CacheService made `keys` (unprefixed) stale: drop them here and from its peers. */
  writeApplied(keys: readonly string[]): void {
    if (this.peers.size === 1 && this.caches.size === 0) return;
    this.peers.writeApplied(keys.map((key) => this.prefix + key));
  }

  /** Drops everything (a namespace or the prefix was cleared in Redis). */
  clear(): void {
    for (const cache of this.caches.values()) cache.clear();
  }

  health(): NearCacheHealth {
    return {
      enabled: this.enabled,
      tracking: this.tracking === null ? 'off' : this.isServing(performance.now()) ? 'active' : 'inactive',
      mode: this.mode,
      messages: this.tracking?.messages ?? 0,
      flushes: this.flushes,
      fence: this.fence?.stats() ?? null,
      caches: [...this.caches.values()].map((cache) => cache.stats()),
    };
  }

  close(): void {
    this.closed = true;
    this.peers.leave(this);
    this.flush(true);
    this.serving = false;
    this.tracking?.release(this);
  }

  /** Drops `keys` (prefixed; others ignored) from every near cache of this group. */
  dropPrefixed(keys: readonly string[]): void {
    if (this.caches.size === 0) return;
    const { prefix } = this;
    for (const key of keys) {
      if (!key.startsWith(prefix)) continue;
      const unprefixed = key.slice(prefix.length);
      for (const cache of this.caches.values()) cache.drop(unprefixed);
    }
  }

  private update(): void {
    const serving = this.trackingActive && this.trusted && !this.closed;
    if (serving === this.serving) return;
    // Flush on every change: entering, nothing filled while bypassed can be there; leaving,
    // invalidations may be lost from now on.
    this.flush(!serving);
    this.serving = serving;
  }

  private flush(countAsLoss: boolean): void {
    if (countAsLoss && this.serving) this.flushes += 1;
    this.clear();
  }
}
