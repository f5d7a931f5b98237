import { randomBytes } from 'node:crypto';
import type { CacheLogger } from '../observability/cache-logger';
import { CacheOptionsError } from '../errors';
import { UNAVAILABLE, type RedisGateway } from '../redis/redis-gateway';
import { holdLease } from './holder-lease';
import { DEFAULTS } from '../defaults';

/**
 * The invalidation outbox (the transactional outbox pattern, applied to cache invalidation).
 * A write records the keys it makes stale in the database, in the same transaction as the
 * write, so the invalidation survives whatever happens to the writing process or its link to
 * Redis. Facebook's memcache derives invalidations from the database's commit log for the
 * same reason (McSqueal, Nishtala et al., NSDI 2013, section 4.3).
 */

/** One recorded write: its id in the outbox and the keys (unprefixed) it made stale. */
export interface OutboxEntry {
  id: string;
  keys: readonly string[];
}

/**
 * Where recorded invalidations wait until they reach Redis. Implemented by the database package (e.g. `PrismaOutbox`).
 */
export interface InvalidationOutbox {
  /** Up to `limit` entries, oldest first. */
  read(limit: number): Promise<OutboxEntry[]>;
  /** Removes delivered entries; ids already removed are ignored. */
  remove(ids: readonly string[]): Promise<void>;
}

/** Options of the outbox delivery. */
export interface OutboxDeliveryOptions {
  /** Milliseconds between two polls of the outbox by the deliverer. @default 100 */
  pollIntervalMs?: number;
  /**
   * Milliseconds the deliverer's lease lasts; another process takes over this long after the deliverer stops renewing
   * it. @default 1000
   */
  leaderLeaseMs?: number;
  /** Entries read and removed per batch. @default 500 */
  batchSize?: number;
}

/**
 * Delivers outbox entries to Redis (UNLINK of their keys) and removes them. One process at a
 * time does it: the one holding the deliverer lease in Redis (`{prefix}!outbox-deliverer`,
 * taken with SET NX PX and renewed on every poll), so the database sees one poll per interval
 * whatever the number of processes. A process that cannot reach Redis cannot hold the lease,
 * so delivery moves to one that can. {@link drain} is also run by the recovery probe of any
 * process, before its breaker closes.
 */
export class OutboxDeliverer {
  private readonly token = randomBytes(8).toString('hex');
  private readonly pollIntervalMs: number;
  private readonly leaderLeaseMs: number;
  private readonly batchSize: number;
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  private lastAttempt = 0;
  /** Entries delivered by this process since start. */
  delivered = 0;
  /** True while this process holds the deliverer lease. */
  leader = false;

  constructor(
    private readonly outbox: InvalidationOutbox,
    private readonly gateway: RedisGateway,
    private readonly fullKey: (key: string) => string,
    private readonly leaderKey: string,
    private readonly logger: CacheLogger,
    options: OutboxDeliveryOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULTS.outboxPollIntervalMs;
    this.leaderLeaseMs = options.leaderLeaseMs ?? DEFAULTS.outboxLeaderLeaseMs;
    this.batchSize = options.batchSize ?? DEFAULTS.outboxBatchSize;
    if (this.leaderLeaseMs <= this.pollIntervalMs)
      throw new CacheOptionsError(
        `outbox deliverer lease (${this.leaderLeaseMs} ms) must exceed the poll interval (${this.pollIntervalMs} ms)`,
      );
  }

  /** Starts polling (timers are unref'd: they never keep the process alive). */
  start(): void {
    if (this.timer || !this.gateway.enabled) return;
    this.timer = setInterval(() => void this.poll(), this.pollIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Delivers and removes every entry in the outbox, batch by batch.
   * @param whileOpen send even though the breaker is open (the recovery probe)
   * @returns false when Redis or the database failed; what was delivered stays delivered
   */
  async drain(whileOpen = false): Promise<boolean> {
    for (;;) {
      let entries: OutboxEntry[];
      try {
        entries = await this.outbox.read(this.batchSize);
      } catch (error) {
        this.logger.warn(
          { error: error instanceof Error ? error.message : String(error) },
          'Cannot read the invalidation outbox',
        );
        return false;
      }
      if (entries.length === 0) return true;
      const keys = [...new Set(entries.flatMap((entry) => entry.keys))].map(this.fullKey);
      const sent = await this.gateway.run('outbox', undefined, (redis) => redis.unlink(keys), whileOpen);
      if (sent === UNAVAILABLE) return false;
      try {
        await this.outbox.remove(entries.map((entry) => entry.id));
      } catch (error) {
        this.logger.warn(
          { error: error instanceof Error ? error.message : String(error) },
          'Cannot remove delivered outbox entries',
        );
        return false;
      }
      this.delivered += entries.length;
      if (entries.length < this.batchSize) return true;
    }
  }

  /**
   * The deliverer renews its lease and delivers on every poll; the others try to take the
   * lease only every quarter lease, so Redis sees about 4 attempts a second per idle process
   * (1 s lease) instead of one per poll.
   */
  private async poll(): Promise<void> {
    if (this.polling || !this.gateway.trusted) return;
    const now = Date.now();
    if (!this.leader && now - this.lastAttempt < this.leaderLeaseMs / 4) return;
    this.lastAttempt = now;
    this.polling = true;
    try {
      this.leader = await holdLease(this.gateway, 'outbox-lease', this.leaderKey, this.token, this.leaderLeaseMs);
      if (this.leader) await this.drain();
    } finally {
      this.polling = false;
    }
  }
}
