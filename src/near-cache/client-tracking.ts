import type { Redis } from 'ioredis';
import { DEFAULTS } from '../defaults';
import { ThrottledErrorLog } from '../observability/cache-logger';
import { connectionFact } from '../redis/connection-state';
import type { ClientTrackingOptions, TrackingListener, TrackingSource } from './tracking-types';

export type { ClientTrackingOptions, TrackingListener, TrackingMode, TrackingSource } from './tracking-types';

/**
 * Redis server-assisted client-side caching ("client tracking", Redis 6+,
 * https://redis.io/docs/latest/develop/reference/client-side-caching/), over RESP2 as ioredis
 * speaks it: one extra connection runs `CLIENT ID` and `SUBSCRIBE __redis__:invalidate`, and
 * every data connection runs `CLIENT TRACKING OFF`, then `CLIENT TRACKING ON REDIRECT <that id> OPTIN` (or `BCAST
 * PREFIX`). From then on Redis sends on that channel the name of every key a data connection read and that then
 * changed for any reason: a write by any client, expiry, eviction, and an empty message for FLUSHALL/FLUSHDB.
 *
 * Tracking is only trusted while every one of those facts holds, so {@link active} is true only
 * when the subscriber is subscribed under its current id and every data connection confirmed
 * `TRACKING ON` with that id since it last connected. Anything that breaks it (either kind of
 * connection closing, the subscriber not answering a heartbeat PING, which catches a half-open
 * connection) makes it inactive at once; it becomes active again only after the whole set-up
 * has been redone, on every data connection too when only the subscriber was replaced (they still redirect to the
 * old id). Invalidations sent while it was broken are lost, so the listener must flush
 * everything it derived from tracking when it becomes inactive. Set-up failures and subscriber resets are logged
 * throttled, one line per kind per 5 s with the number suppressed.
 *
 * Between those events, the heartbeat bounds how far behind Redis the listener can be. Redis
 * answers a PING on the subscriber connection after every invalidation it queued on that
 * connection before it ran the PING, so once the PONG of a PING sent at time `s` has arrived,
 * every change Redis applied before `s` has been reported. {@link confirmedUntil} is `s` plus
 * `maxStalenessMs`: a near cache that serves only before it is never more than
 * `maxStalenessMs` behind Redis, even when Redis hangs (SIGSTOP) or the network drops packets
 * without closing the connection.
 */

const CHANNEL = '__redis__:invalidate';

/**
 * Which tracking owns a data connection: a connection can redirect its invalidations to one subscriber only. A fact
 * of the connection, kept on it (connection-state.ts): CacheServices share a tracking only when they share connections.
 */
const OWNER = connectionFact<ClientTracking>('cachedrepo.clientTracking');

export class ClientTracking implements TrackingSource {
  /** Invalidation messages received since start. */
  messages = 0;
  /** Times tracking stopped being trustworthy. */
  losses = 0;
  private readonly listeners = new Set<TrackingListener>();
  private readonly tracked = new Set<Redis>();
  private readonly clientEpochs = new Map<Redis, number>();
  /** The set-up last sent on each data connection and not answered yet: only its answer counts. */
  private readonly settingUp = new Map<Redis, symbol>();
  /** Set-up failures and subscriber resets, one line per kind per 5 s (REDIS_CACHE.md, section 5). */
  private readonly warnings: ThrottledErrorLog;
  private subscriberId: string | null = null;
  /** Incremented whenever the subscriber connection closes: set-ups begun before are void. */
  private subscriberEpoch = 0;
  /**
   * The subscriber epoch whose set-up has begun: one per connection (a second CLIENT ID sent after SUBSCRIBE is
   * refused).
   */
  private establishedEpoch = -1;
  private isActive = false;
  private closed = false;
  private confirmedAt = Number.NEGATIVE_INFINITY;
  private readonly maxStalenessMs: number;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly detach: (() => void)[] = [];

  /**
   * The tracking of exactly these data connections: a new one, or the one already set up on
   * them (by another CacheService sharing the same clients), with `listener` added.
   * @returns null when some of the connections are already tracked for another set (a
   *   connection can redirect to one subscriber only): the caller then runs without a near cache
   */
  static acquire(
    clients: readonly Redis[],
    subscriber: () => Redis,
    options: ClientTrackingOptions,
    listener: TrackingListener,
  ): ClientTracking | null {
    const existing = OWNER.get(clients[0] as Redis);
    if (existing && !existing.closed) {
      const same =
        existing.clients.length === clients.length && clients.every((client) => existing.clients.includes(client));
      if (!same || existing.options.mode !== options.mode) return null;
      existing.listeners.add(listener);
      if (existing.isActive) listener.activeChanged(true);
      return existing;
    }
    if (clients.some((client) => OWNER.get(client)?.closed === false)) return null;
    const tracking = new ClientTracking(clients, subscriber(), options);
    tracking.listeners.add(listener);
    tracking.start();
    return tracking;
  }

  private constructor(
    private readonly clients: readonly Redis[],
    private readonly subscriber: Redis,
    private readonly options: ClientTrackingOptions,
  ) {
    for (const client of clients) OWNER.set(client, this);
    this.warnings = new ThrottledErrorLog(options.logger);
    this.maxStalenessMs = options.maxStalenessMs ?? DEFAULTS.nearCacheMaxStalenessMs;
    const heartbeatIntervalMs = options.heartbeatIntervalMs ?? DEFAULTS.nearCacheHeartbeatIntervalMs;
    this.heartbeat = setInterval(() => void this.beat(), heartbeatIntervalMs);
    this.heartbeat.unref();
  }

  /** True while every invalidation of every key the data connections read reaches this process. */
  get active(): boolean {
    return this.isActive;
  }

  /**
   * `performance.now()` time until which every change Redis applied more than
   * `maxStalenessMs` ago is known to have been reported (see the class comment).
   */
  get confirmedUntil(): number {
    return this.confirmedAt + this.maxStalenessMs;
  }

  /** Stops reporting to `listener`; the last one to leave closes the subscriber. */
  release(listener: TrackingListener): void {
    this.listeners.delete(listener);
    if (this.listeners.size > 0 || this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const off of this.detach) off();
    this.setActive(false);
    for (const client of this.clients) if (OWNER.get(client) === this) OWNER.set(client, undefined);
    // No QUIT: it has no timeout on this connection and would wait for a hung server forever.
    // Not when already ended (a cluster node's connection does not reconnect): ioredis would arm
    // a 2 s timer for a close that already happened.
    if (this.subscriber.status !== 'end') this.subscriber.disconnect();
  }

  private start(): void {
    const on = <A extends unknown[]>(emitter: Redis, event: string, handler: (...args: A) => void): void => {
      const listener = handler as (...args: unknown[]) => void;
      emitter.on(event, listener);
      this.detach.push(() => emitter.off(event, listener));
    };
    // reported by the data connections' own errors; the heartbeat says when it matters
    this.subscriber.on('error', () => undefined);
    // A background connection: it alone must not keep the process alive (the data connections decide that).
    on(this.subscriber, 'connect', () => this.subscriber.stream.unref());
    on(this.subscriber, 'messageBuffer', (channel: Buffer, message: Buffer | Buffer[] | null) =>
      this.onMessage(channel, message),
    );
    on(this.subscriber, 'ready', () => void this.establish());
    on(this.subscriber, 'close', () => this.subscriberLost('subscriber connection closed'));
    for (const client of this.clients) {
      this.clientEpochs.set(client, 0);
      on(client, 'close', () => this.clientLost(client));
      on(client, 'ready', () => void this.track(client));
    }
    if (this.subscriber.status === 'ready') void this.establish();
  }

  private onMessage(channel: Buffer, message: Buffer | Buffer[] | null): void {
    if (channel.toString() !== CHANNEL) return;
    this.messages += 1;
    // RESP2 sends FLUSHALL/FLUSHDB as a null payload, a changed key as an array of names.
    const keys =
      message === null ? null : Array.isArray(message) ? message.map((key) => key.toString()) : [message.toString()];
    for (const listener of this.listeners) listener.invalidated(keys);
  }

  /** Subscribes under a fresh id, then points every connected data connection at it. */
  private async establish(): Promise<void> {
    const epoch = this.subscriberEpoch;
    // The 'ready' event and the heartbeat both start it: the second would send CLIENT ID on a
    // connection already subscribed, which Redis refuses, resetting the subscriber over and
    // over on a slow machine.
    if (this.establishedEpoch === epoch) return;
    this.establishedEpoch = epoch;
    let id: string;
    try {
      id = String(await this.subscriber.client('ID'));
      if (epoch !== this.subscriberEpoch || this.closed) return;
      await this.subscriber.subscribe(CHANNEL);
    } catch (error) {
      if (epoch === this.subscriberEpoch && !this.closed)
        this.reconnectSubscriber('subscribing to invalidations failed', error);
      return;
    }
    if (epoch !== this.subscriberEpoch || this.closed) return;
    this.subscriberId = id;
    await Promise.all(this.clients.map((client) => this.track(client)));
    void this.beat();
  }

  /**
   * Points `client` at the current subscriber: `CLIENT TRACKING OFF`, then `ON REDIRECT <id>` with the mode's options,
   * written together. OFF first because the connection may still track for a subscriber that was reset while it stayed
   * up: Redis refuses BCAST tracking for a prefix the connection already broadcasts ("ERR Prefix 'cache:' overlaps"),
   * and nothing else would point it at the new subscriber. Nothing is lost in between: tracking is inactive (near
   * caches bypassed, no fill) until this set-up is answered.
   * @param retry true for the heartbeat's retry, which waits for a set-up already under way instead of replacing it
   */
  private async track(client: Redis, retry = false): Promise<void> {
    const id = this.subscriberId;
    if (id === null || this.closed || client.status !== 'ready') return;
    if (retry && this.settingUp.has(client)) return;
    const attempt = Symbol('set-up');
    this.settingUp.set(client, attempt);
    const subscriberEpoch = this.subscriberEpoch;
    const clientEpoch = this.clientEpochs.get(client);
    const mode = this.options.mode === 'broadcast' ? ['BCAST', 'PREFIX', this.options.prefix] : ['OPTIN'];
    let failure: unknown = null;
    try {
      await Promise.all([
        client.call('CLIENT', 'TRACKING', 'OFF'),
        client.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', id, ...mode),
      ]);
    } catch (error) {
      failure = error;
    }
    // A later set-up on this connection replaced this one: only its answer says how the connection tracks.
    if (this.settingUp.get(client) !== attempt) return;
    this.settingUp.delete(client);
    if (failure !== null)
      return this.warnings.report(
        'CLIENT TRACKING',
        failure,
        'CLIENT TRACKING failed: near cache bypassed until it succeeds',
      );
    // Void if either connection dropped meanwhile: the set-up starts over on its next 'ready'.
    if (subscriberEpoch !== this.subscriberEpoch || clientEpoch !== this.clientEpochs.get(client) || this.closed)
      return;
    this.tracked.add(client);
    if (this.tracked.size === this.clients.length) this.setActive(true);
  }

  private clientLost(client: Redis): void {
    this.clientEpochs.set(client, (this.clientEpochs.get(client) ?? 0) + 1);
    this.tracked.delete(client);
    this.settingUp.delete(client);
    this.setActive(false);
  }

  private subscriberLost(why: string): void {
    this.subscriberEpoch += 1;
    this.subscriberId = null;
    this.confirmedAt = Number.NEGATIVE_INFINITY;
    this.tracked.clear();
    if (this.isActive)
      this.options.logger.info(
        { reason: why },
        'Invalidation subscriber lost: near cache flushed and bypassed until tracking is re-established',
      );
    this.setActive(false);
  }

  private reconnectSubscriber(why: string, error?: unknown): void {
    const reason = error === undefined ? why : `${why}: ${error instanceof Error ? error.message : String(error)}`;
    this.warnings.report('invalidation subscriber', reason, 'Invalidation subscriber reset');
    this.subscriberLost(why);
    // A half-open or stalled connection: destroyed, not ended (an end waits for the peer, which may never answer);
    // ioredis reconnects it with its retry strategy (a cluster node's copy ends instead: cluster-tracking.ts).
    if (this.subscriber.stream) this.subscriber.stream.destroy();
    else this.subscriber.disconnect(true);
  }

  /** PINGs the subscriber; retries a set-up that failed; resets a subscriber that does not answer. */
  private async beat(): Promise<void> {
    if (this.closed) return;
    if (this.subscriber.status !== 'ready') return;
    if (this.subscriberId === null) return void this.establish();
    if (!this.isActive) for (const client of this.clients) if (!this.tracked.has(client)) void this.track(client, true);
    const epoch = this.subscriberEpoch;
    const timeoutMs = this.options.heartbeatTimeoutMs ?? DEFAULTS.nearCacheHeartbeatTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const sentAt = performance.now();
    const answered = await Promise.race([
      this.subscriber.ping().then(
        () => {
          if (epoch === this.subscriberEpoch && sentAt > this.confirmedAt) this.confirmedAt = sentAt;
          return true;
        },
        () => false,
      ),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    if (!answered && epoch === this.subscriberEpoch && !this.closed)
      this.reconnectSubscriber(`no answer to PING within ${timeoutMs} ms`);
  }

  private setActive(active: boolean): void {
    if (active === this.isActive) return;
    this.isActive = active;
    if (!active) this.losses += 1;
    for (const listener of this.listeners) listener.activeChanged(active);
  }
}
