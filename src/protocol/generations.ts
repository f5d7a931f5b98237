import { randomBytes } from 'node:crypto';
import type { EntityCacheStats } from '../observability/cache-stats';
import type { RedisGateway } from '../redis/redis-gateway';
import { luaScript } from '../redis/scripts';

/**
 * Generations of collections (REDIS_CACHE.md, section 3, "Lists with arguments"): the key of a collection holds a
 * random token, its current generation, and the pages of the collection are cached under keys that include it
 * (`repository/cached-queries.ts`). A write invalidates the collection key like any other key; the next read creates a
 * new generation, so every page cached before the write is left behind at once, whatever their number.
 *
 * Why a page read after a write is never stale: the write's invalidation removes the collection key after the
 * commit; a read that starts after the write returned reads a generation created after that removal, and loads its
 * page after it, so after the commit. A page that a slow load stores under an old generation is only found by reads
 * that read that old generation, which all began before the write completed. A generation lost to eviction, expiry,
 * FLUSHALL, a restart or a failover only causes misses: a new random token never equals an old one (a counter
 * restarting at 0 would meet the pages of an earlier 1).
 *
 * The generation is always read from Redis, never from a near cache: a page key under a generation never changes
 * meaning, but the generation itself does, at every write.
 */

/** KEYS[1] the collection key; ARGV[1] a fresh token; ARGV[2] its TTL in seconds. The current token, or the new one. */
const READ_OR_CREATE = luaScript(`
local current = redis.call('GET', KEYS[1])
if current then return current end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return ARGV[1]
`);

/** A generation token: `~` and 16 base64url characters (96 random bits). */
const TOKEN = /^~[A-Za-z0-9_-]{16}$/;

/** A new generation token, unique across processes and restarts (96 random bits). */
export function newGeneration(): string {
  return `~${randomBytes(12).toString('base64url')}`;
}

/** True for a value a collection key may hold: a generation token (not a cache entry or a lease). */
export function isGeneration(value: unknown): value is string {
  return typeof value === 'string' && TOKEN.test(value);
}

/**
 * Reads the current generation of collections, creating it when absent, in one command (a Lua script on one key, so
 * it runs unchanged on Redis Cluster and on any Redis version with scripting). Never throws.
 */
export class Generations {
  constructor(private readonly gateway: RedisGateway) {}

  /**
   * The current generation of the collection at `key` (as stored, prefixed), created with a TTL of `ttlSeconds` when
   * the key is empty (the TTL is set only then).
   * @returns null when Redis is unavailable (breaker open, error, an unconfirmed reply on a cluster) or the key holds
   *   something else than a generation (a value of another query, another Redis type): the caller loads from the
   *   base repository then, without caching
   */
  async current(key: string, ttlSeconds: number, stats?: EntityCacheStats): Promise<string | null> {
    // The reply is a read of the key: on a cluster it must come from a validated master (redis-gateway.ts).
    const reply = await this.gateway.run(
      'generation',
      stats,
      (redis) => redis.script(READ_OR_CREATE, [key], [newGeneration(), ttlSeconds]),
      false,
      [key],
    );
    if (typeof reply === 'symbol') return null;
    if (isGeneration(reply)) return reply;
    if (stats) stats.corruptEntries += 1;
    return null;
  }
}
