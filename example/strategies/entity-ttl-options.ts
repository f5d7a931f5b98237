import type { NearCacheOptions } from 'cachedrepo';

/**
 * The near cache (in-process L1, kept coherent by Redis client tracking) of the read-mostly
 * entities: heroes, children, decks and cards. About 10,000 entries (or 16 MiB, estimated) per
 * entity type; entries live as long as their Redis key at most.
 */
export const READ_MOSTLY_NEAR_CACHE: NearCacheOptions = { maxEntries: 10_000, maxBytes: 16 * 1024 * 1024 };

/** TTLs of a strategy with one TTL for the entity and its queries, in seconds. */
export interface EntityTtlOptions {
  /** Seconds entities and query results stay cached. Each strategy documents its default. */
  ttlSeconds?: number;
  /** Seconds "no entity with this id" stays cached; 0 turns negative caching off. @default 30 */
  negativeTtlSeconds?: number;
  /** The strategy's near cache; null turns it off. Each strategy documents its default. */
  nearCache?: NearCacheOptions | null;
}
