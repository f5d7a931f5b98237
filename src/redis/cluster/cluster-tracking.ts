import type { Cluster, Redis } from 'ioredis';
import {
  ClientTracking,
  type ClientTrackingOptions,
  type TrackingListener,
  type TrackingSource,
} from '../../near-cache/client-tracking';
import { DEFAULTS } from '../../defaults';
import { connectionFact } from '../connection-state';
import { duplicateRedisClient, redactorOf } from '../redis-client';
import { CLUSTER_SLOTS } from './key-slot';

/** Milliseconds before connections to a master are opened again after they ended. */
const RETRY_MS = 500;

/** The tracking of a cluster client, kept on the client (connection-state.ts): shared by the CacheServices on it. */
const TRACKING = connectionFact<ClusterTracking>('cachedrepo.clusterTracking');

/**
 * Client tracking on a Redis Cluster, for near caches. Tracking is per node: a master sends
 * invalidations only to connections on that master, about keys changed on that master
 * (https://redis.io/docs/latest/develop/reference/client-side-caching/). And OPTIN's
 * `CLIENT CACHING YES` names no key, so a cluster client cannot route it to the node of the
 * read it precedes. So on a cluster tracking is in broadcast mode, once per master:
 *
 * - for each master of the client's slot map, a {@link ClientTracking} of its own: a subscriber
 *   connection to that master on `__redis__:invalidate`, and a small second connection to the
 *   same master that runs `CLIENT TRACKING ON REDIRECT <subscriber id> BCAST PREFIX <prefix>`
 *   (a RESP2 subscriber cannot send CLIENT TRACKING itself once subscribed). In BCAST mode the
 *   master reports every change of a key under the prefix, whoever made it and whether or not
 *   this process read it, so the data connections need no tracking and no `CLIENT CACHING`;
 * - each has its own heartbeat PING, so {@link confirmedUntil} is the earliest of the masters':
 *   no master's changes can be more than `maxStalenessMs` behind; and each master is asked
 *   `ROLE` at every heartbeat on its tracking connection: entries are served only within
 *   `maxStalenessMs` of sending a ROLE the master answered as a master, so a manual failover
 *   (the old master stays up as a replica, its connections open, and writes go to a node this
 *   process does not track yet) stops the serving within that bound too;
 * - {@link active} only while every master of the current slot map has confirmed tracking,
 *   each slot has a master, and the slot map is the one seen when tracking was confirmed. Any
 *   change of the map (failover, slot moved, node added or lost), a master's subscriber or
 *   tracking connection closing, or a master answering `ROLE` as a replica (a manual failover
 *   the client's map has not seen yet) makes it inactive at once, and the near caches flush.
 *
 * The fill race is the standalone one (near-cache.ts): a read takes its fill ticket before its
 * GET is sent; a change applied after the GET was served is reported by the master that served
 * it on its subscriber, which cancels the ticket if the reply has not filled yet, or drops the
 * entry it filled. A change on another master concerns other keys.
 */
export class ClusterTracking implements TrackingSource {
  private readonly listeners = new Set<TrackingListener>();
  private readonly masters = new Map<string, MasterTracking>();
  /** Owner of every slot when the masters were last reconciled ('' for a slot without one). */
  private owners: string[] = [];
  private retiredMessages = 0;
  /**
   * `performance.now()` when each master's connections last ended: not retried within {@link RETRY_MS} (a dead node
   * until its failover).
   */
  private readonly endedAt = new Map<string, number>();
  private isActive = false;
  private closed = false;
  private readonly timer: NodeJS.Timeout;
  private readonly maxStalenessMs: number;
  private readonly onTopology = (): void => this.reconcile();

  /**
   * The tracking of `cluster`: a new one, or the one another CacheService on the same client
   * started (in the same mode), with `listener` added.
   * @returns null when the cluster is already tracked for another prefix
   */
  static acquire(cluster: Cluster, options: ClientTrackingOptions, listener: TrackingListener): ClusterTracking | null {
    const existing = TRACKING.get(cluster);
    if (existing && !existing.closed) {
      if (existing.options.prefix !== options.prefix) return null;
      existing.listeners.add(listener);
      if (existing.isActive) listener.activeChanged(true);
      return existing;
    }
    const tracking = new ClusterTracking(cluster, { ...options, mode: 'broadcast' });
    TRACKING.set(cluster, tracking);
    tracking.listeners.add(listener);
    tracking.reconcile();
    return tracking;
  }

  private constructor(
    private readonly cluster: Cluster,
    private readonly options: ClientTrackingOptions,
  ) {
    cluster.on('refresh', this.onTopology);
    cluster.on('-node', this.onTopology);
    cluster.on('ready', this.onTopology);
    this.maxStalenessMs = options.maxStalenessMs ?? DEFAULTS.nearCacheMaxStalenessMs;
    this.timer = setInterval(() => this.beat(), options.heartbeatIntervalMs ?? DEFAULTS.nearCacheHeartbeatIntervalMs);
    this.timer.unref();
  }

  /** True while every master of the current slot map reports its changes (see the class comment). */
  get active(): boolean {
    return this.isActive;
  }

  /** Masters tracked now, `host:port`. */
  get trackedMasters(): string[] {
    return [...this.masters.keys()];
  }

  get messages(): number {
    let sum = this.retiredMessages;
    for (const master of this.masters.values()) sum += master.tracking.messages;
    return sum;
  }

  get confirmedUntil(): number {
    if (!this.isActive) return Number.NEGATIVE_INFINITY;
    let until = Number.POSITIVE_INFINITY;
    for (const master of this.masters.values())
      until = Math.min(until, master.tracking.confirmedUntil, master.state.masterUntil);
    return until;
  }

  release(listener: TrackingListener): void {
    this.listeners.delete(listener);
    if (this.listeners.size > 0 || this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.cluster.off('refresh', this.onTopology);
    this.cluster.off('-node', this.onTopology);
    this.cluster.off('ready', this.onTopology);
    if (TRACKING.get(this.cluster) === this) TRACKING.set(this.cluster, undefined);
    this.setActive(false);
    for (const key of [...this.masters.keys()]) this.retire(key);
  }

  /** Checks the slot map, then asks every tracked master for its role (see the class comment). */
  private beat(): void {
    this.reconcile();
    for (const [key, master] of this.masters) {
      if (master.tracker.status !== 'ready' || master.state.roleInFlight) continue;
      master.state.roleInFlight = true;
      const sentAt = performance.now();
      master.tracker.call('ROLE').then(
        (role) => {
          master.state.roleInFlight = false;
          if (this.closed || this.masters.get(key) !== master || !Array.isArray(role)) return;
          if (role[0] === 'master') {
            master.state.masterUntil = Math.max(master.state.masterUntil, sentAt + this.maxStalenessMs);
            return;
          }
          // Demoted while the client's map still names it: stop serving, ask for the new map.
          master.state.demoted = true;
          this.recompute();
          this.cluster.refreshSlotsCache();
        },
        () => void (master.state.roleInFlight = false),
      );
    }
  }

  /** Starts tracking on masters that joined the slot map, stops it on those that left, recomputes {@link active}. */
  private reconcile(): void {
    if (this.closed) return;
    const owners: string[] = new Array<string>(CLUSTER_SLOTS);
    const current = new Set<string>();
    for (let slot = 0; slot < CLUSTER_SLOTS; slot += 1) {
      const owner = this.cluster.slots[slot]?.[0] ?? '';
      owners[slot] = owner;
      if (owner !== '') current.add(owner);
    }
    const changed = owners.length !== this.owners.length || owners.some((owner, slot) => owner !== this.owners[slot]);
    if (changed) {
      // Whatever moved, nothing derived from the old map is trusted: flush, then track anew.
      this.setActive(false);
      this.owners = owners;
    }
    for (const [key, master] of [...this.masters]) {
      // Node connections of a cluster client do not reconnect, nor do their duplicates: a
      // tracking whose connection ended is started anew on the node's current connection.
      const ended = master.tracker.status === 'end' || master.subscriber.status === 'end';
      if (ended) this.endedAt.set(key, performance.now());
      if (!current.has(key) || ended) this.retire(key);
    }
    const now = performance.now();
    for (const key of current)
      if (!this.masters.has(key) && !(now - (this.endedAt.get(key) ?? Number.NEGATIVE_INFINITY) < RETRY_MS))
        this.track(key);
    this.recompute();
  }

  private track(key: string): void {
    const node = this.cluster.nodes('all').find((redis) => `${redis.options.host}:${redis.options.port}` === key);
    if (!node) return; // no connection to it yet: the next beat retries, inactive meanwhile
    // The cluster's node connections were made by ioredis: their errors are redacted with the cluster's secrets.
    const redactor = redactorOf(this.cluster);
    const tracker = duplicateRedisClient(node, 'near-cache-tracking', redactor);
    tracker.on('error', () => undefined); // its loss shows as ClientTracking's 'close'
    tracker.on('connect', () => tracker.stream.unref());
    const state = { active: false, demoted: false, roleInFlight: false, masterUntil: Number.NEGATIVE_INFINITY };
    const listener: TrackingListener = {
      invalidated: (keys) => {
        for (const each of this.listeners) each.invalidated(keys);
      },
      activeChanged: (active) => {
        state.active = active;
        this.recompute();
      },
    };
    const subscriber = duplicateRedisClient(node, 'near-cache-invalidations', redactor);
    const tracking = ClientTracking.acquire([tracker], () => subscriber, this.options, listener);
    if (tracking === null) {
      tracker.disconnect();
      subscriber.disconnect();
      return;
    }
    const master: MasterTracking = { tracker, subscriber, tracking, listener, state };
    this.masters.set(key, master);
  }

  private retire(key: string): void {
    const master = this.masters.get(key);
    if (!master) return;
    this.masters.delete(key);
    this.retiredMessages += master.tracking.messages;
    master.tracking.release(master.listener);
    // Not when already ended: ioredis would arm a 2 s timer for a close that already happened.
    for (const redis of [master.tracker, master.subscriber]) if (redis.status !== 'end') redis.disconnect();
    this.recompute();
  }

  private recompute(): void {
    if (this.closed) return;
    let active = this.masters.size > 0 && this.owners.every((owner) => owner !== '' && this.masters.has(owner));
    for (const master of this.masters.values()) if (!master.state.active || master.state.demoted) active = false;
    this.setActive(active);
  }

  private setActive(active: boolean): void {
    if (active === this.isActive) return;
    this.isActive = active;
    if (!active)
      this.options.logger.debug(
        { masters: this.trackedMasters },
        'Cluster near-cache tracking not confirmed on every master: near caches flushed and bypassed',
      );
    for (const listener of this.listeners) listener.activeChanged(active);
  }
}

interface MasterTracking {
  tracker: Redis;
  subscriber: Redis;
  tracking: ClientTracking;
  listener: TrackingListener;
  /**
   * `active`: its tracking is confirmed; `demoted`: it answered ROLE as a replica (not trusted
   * until it leaves the slot map); `masterUntil`: when the last ROLE it answered as a master was
   * sent, plus `maxStalenessMs`.
   */
  state: { active: boolean; demoted: boolean; roleInFlight: boolean; masterUntil: number };
}
