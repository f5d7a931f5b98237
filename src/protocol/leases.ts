import type { EntityCacheStats } from '../observability/cache-stats';
import type { RedisGateway } from '../redis/redis-gateway';
import { luaScript } from '../redis/scripts';
import type { StoreOutcome } from './cache-service-types';
import { ACQUIRE_LEASE_LUA, newLeaseToken, RELEASE_LEASE_LUA, STORE_IF_LEASED_LUA } from './lease';

const ACQUIRE_LEASE = luaScript(ACQUIRE_LEASE_LUA);
const STORE_IF_LEASED = luaScript(STORE_IF_LEASED_LUA);
const RELEASE_LEASE = luaScript(RELEASE_LEASE_LUA);

/** The scripts of the lease protocol, loaded by the recovery probe before the cache is trusted. */
export const LEASE_SCRIPTS = Object.freeze([ACQUIRE_LEASE, STORE_IF_LEASED, RELEASE_LEASE]);

/**
 * The lease protocol on Redis (REDIS_CACHE.md, section 4; leases as in Nishtala et al.,
 * "Scaling Memcache at Facebook", NSDI 2013, section 3.2.1): a read that missed places a lease
 * in the key, and its value is stored only while the key still holds that lease, so a write's
 * UNLINK, which removes the lease, makes every load that began before it fail to store.
 * Keys are as stored (prefixed); nothing here throws.
 */
export class Leases {
  /** Stores under way, sent behind their readers ({@link settled}). */
  private readonly inFlight = new Set<Promise<unknown>>();

  /**
   * @param ttlSeconds seconds a lease lives (a load slower than this is served but not cached)
   * @param maxEntryBytes largest entry stored, UTF-8 bytes
   */
  constructor(
    private readonly gateway: RedisGateway,
    private readonly ttlSeconds: number,
    private readonly maxEntryBytes: number,
  ) {}

  /**
   * Places a lease in `key` before a load: only when the key is empty, holds a value of the
   * wrong type, or still holds `rejected` (the corrupt entry the read found). When the read
   * found the key empty (`foundEmpty`), a plain `SET NX` places it (no Lua script: the common
   * miss); when it fails (the key holds something: another reader's lease, an entry, or a value
   * of another type, which an MGET reads as empty), or otherwise, the script decides.
   * @returns the lease token, or null (another reader holds the key, an entry appeared, or Redis refused)
   */
  async acquire(
    key: string,
    rejected: string | undefined,
    stats: EntityCacheStats | undefined,
    foundEmpty: boolean,
  ): Promise<string | null> {
    const token = newLeaseToken();
    if (foundEmpty && rejected === undefined) {
      const set = await this.gateway.run('lease', stats, (redis) => redis.setIfAbsent(key, token, this.ttlSeconds));
      if (set === true) return token;
      if (typeof set === 'symbol') return null;
    }
    const args = [token, this.ttlSeconds, ...(rejected === undefined ? [] : [rejected])];
    const placed = await this.gateway.run('lease', stats, (redis) => redis.script(ACQUIRE_LEASE, [key], args));
    // 2: it replaced a lease without a TTL, a corrupt entry (lease.ts).
    if (placed === 2 && stats) stats.corruptEntries += 1;
    return placed === 1 || placed === 2 ? token : null;
  }

  /**
   * Stores `raw` at `key` for `ttlSeconds` seconds only if the key still holds `token`,
   * atomically (Lua). `lost`: the lease was removed or replaced meanwhile (a write, eviction,
   * FLUSHALL, a restart, its TTL), so the value may be stale and was dropped.
   */
  async store(
    key: string,
    token: string,
    raw: string,
    ttlSeconds: number,
    stats: EntityCacheStats | undefined,
  ): Promise<StoreOutcome> {
    if (!this.fits(raw)) return 'oversized';
    // The reply is a read of the lease (readers that joined the load trust the value when it is
    // 'stored'): on a cluster it must come from a validated master, like a GET's (redis-gateway.ts).
    const sent = this.gateway.run(
      'store',
      stats,
      (redis) => redis.script(STORE_IF_LEASED, [key], [token, raw, ttlSeconds]),
      false,
      [key],
    );
    this.inFlight.add(sent);
    const stored = await sent.finally(() => this.inFlight.delete(sent));
    if (typeof stored === 'symbol') return 'error';
    return stored === 1 ? 'stored' : 'lost';
  }

  /** Resolves once every store sent so far has been answered (stored, lost or failed). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Gives a lease back when its load failed or stores nothing, so other readers may fill the key at once. */
  async release(key: string, token: string, stats: EntityCacheStats | undefined): Promise<void> {
    await this.gateway.run('release', stats, (redis) => redis.script(RELEASE_LEASE, [key], [token]));
  }

  /** False when `raw` is larger than the maximum entry size (UTF-8): it is never stored. */
  fits(raw: string): boolean {
    // UTF-8 takes at most 3 bytes per UTF-16 unit: only measure when it could be too large.
    return raw.length * 3 <= this.maxEntryBytes || Buffer.byteLength(raw) <= this.maxEntryBytes;
  }
}
