/** What a {@link NearCachePeers} asks of a member: the near caches of one CacheService. */
export interface NearCachePeer {
  /** Drops `keys` (as stored in Redis, prefixed) from its near caches; keys under another prefix are ignored. */
  dropPrefixed(keys: readonly string[]): void;
}

/**
 * CacheServices of one process whose near caches see each other's writes at once: a write
 * through any of them drops its keys from the near caches of every one of them before its
 * `UNLINK` is sent and again once it has been applied, so the next read through any of them
 * sees the write. Give the same instance to each: `new CacheService(redis, { nearCache: { peers } })`
 * (or `createCacheService(settings, { nearCachePeers: peers })`).
 *
 * Without it, a CacheService learns of another CacheService's writes as it does of another
 * process's: from Redis's invalidation messages, within `maxStalenessMs` (REDIS_CACHE.md,
 * "Near cache"). Its own writes it always drops from its own near caches at once.
 *
 * A CacheService joins when it is created and leaves when it is closed; an application only
 * creates the instance and passes it on.
 */
export class NearCachePeers {
  readonly #members = new Set<NearCachePeer>();

  /** CacheServices (open ones) sharing this instance. */
  get size(): number {
    return this.#members.size;
  }

  /** Called by the CacheService that `peer` belongs to, when it is created. */
  join(peer: NearCachePeer): void {
    this.#members.add(peer);
  }

  /** Called by the CacheService that `peer` belongs to, when it is closed. */
  leave(peer: NearCachePeer): void {
    this.#members.delete(peer);
  }

  /** A write made `keys` (prefixed) stale: drops them from the near caches of every member. */
  writeApplied(keys: readonly string[]): void {
    for (const member of this.#members) member.dropPrefixed(keys);
  }
}
