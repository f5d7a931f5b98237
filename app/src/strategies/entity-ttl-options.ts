/** TTLs of a strategy with one TTL for the entity and its queries, in seconds. */
export interface EntityTtlOptions {
  /** Seconds entities and query results stay cached. Each strategy documents its default. */
  ttlSeconds?: number;
  /** Seconds "no entity with this id" stays cached; 0 turns negative caching off. @default 30 */
  negativeTtlSeconds?: number;
}
