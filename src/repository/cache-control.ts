import type { AnyEntity } from './entity';
import type { OutboxRecordingRepository } from './outbox-recording';
import type { BeforeImageRepository } from './repository';
import type { ProjectedRepository } from './projection';
import type { CacheStatsSnapshot } from '../observability/cache-stats';

/* The types of what `CachedRepository` (cached-repository.ts) adds to the repository it decorates. */

/** Cache management every cached repository adds to the interface it decorates; `Id` is the entity's id type. */
export interface CacheControl<Id = string> {
  /**
   * Invalidates by hand. With an id: that entity's key, the strategy's `alwaysAffected` keys, and the query keys
   * (`keysOf`) of two states: the one the database holds now, and the one cached at the entity's key, if any (read
   * first: after a write made outside the repositories it is the state before that write, the one the lists were
   * filled with). A list holding a state neither of these is (the entity's entry expired or was evicted before the
   * list, or was never cached) keeps it until its TTL; change capture makes the call unnecessary. Without an id: every
   * key of the entity type (SCAN + UNLINK over its namespaces; its cost grows with the keyspace, keep it for
   * administration).
   * @throws {InvalidIdError} when `id` is not an id of the entity's type
   */
  invalidateCache(id?: Id): Promise<void>;
  /**
   * Hits, misses, errors and hit ratio of this entity type (shared by every repository of the type on one
   * CacheService).
   */
  getCacheStats(): CacheStatsSnapshot;
}

/** The id type of a repository type: the parameter of its `findById` (`string` for a `Repository<Hero>`). */
export type RepositoryIdOf<R> = R extends { findById(id: infer Id): unknown } ? Id : string;

/**
 * A repository of type `R` with caching: the same interface plus {@link CacheControl}; with a projection `O` (fields
 * the strategy keeps out of the cache), every method returns its entities without them ({@link ProjectedRepository}).
 */
export type Cached<R, O extends PropertyKey = never> = ProjectedRepository<R, O> & CacheControl<RepositoryIdOf<R>>;

/**
 * Members of an outbox-recording base a cached repository does not offer: it records its own writes, and a write
 * passed through would skip its invalidation.
 */
export type OutboxWriteMember = Exclude<
  keyof OutboxRecordingRepository<AnyEntity>,
  keyof BeforeImageRepository<AnyEntity>
>;
