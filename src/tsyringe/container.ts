import type { DependencyContainer, InjectionToken } from 'tsyringe';
import { CachedRepository, type Cached } from '../repository/cached-repository';
import type { CacheService } from '../protocol/cache-service';
import type { CacheStrategy } from '../repository/cache-strategy';
import type { AnyEntity } from '../repository/entity';
import { ConfigError } from '../errors';
import type { BeforeImageRepository, Repository } from '../repository/repository';
import { projectingRepository, type OmittableField, type ProjectedRepository } from '../repository/projection';

/**
 * How one repository token is served: its plain repository and the strategy that caches it. With a strategy that
 * keeps fields out of the cache (`O`), the token serves `ProjectedRepository<R, O>` (entities without those fields),
 * cached or not.
 */
export interface RepositoryRegistration<
  T extends AnyEntity,
  R extends Repository<T>,
  O extends OmittableField<T> = never,
> {
  /** The entity type, as named in CACHE_DISABLED_ENTITIES and in the strategy. */
  entityType: string;
  token: InjectionToken<ProjectedRepository<R, O>>;
  /**
   * The plain repository: the port `R` and a `BeforeImageRepository` (its updates return the state they replaced, read
   * in their own transaction), since configuration may cache it. Wrap one that cannot in `readBeforeWrite(plain)`.
   */
  plain: R & BeforeImageRepository<T>;
  strategy: CacheStrategy<T, R, O>;
}

/** A registration of any entity type, as {@link registerRepositories} takes a list of them. */
export type AnyRepositoryRegistration = RepositoryRegistration<AnyEntity, Repository<AnyEntity>>;

/**
 * Declares a registration with its types checked (a strategy for another repository fails to compile), for a list of
 * registrations of several entity types.
 */
export function repositoryRegistration<
  T extends AnyEntity,
  R extends Repository<T>,
  O extends OmittableField<T> = never,
>(registration: RepositoryRegistration<T, R, O>): AnyRepositoryRegistration {
  // Checked above; the list only needs what every registration has.
  return registration as unknown as AnyRepositoryRegistration;
}

/**
 * Registers one token per repository on a tsyringe `container`: a {@link CachedRepository}
 * around the plain repository when `cache` is given and the entity type is not in
 * `disabledEntities`, else the plain repository itself (with the strategy's projection, if any, applied to what it
 * returns: the fields kept out of the cache are missing either way). Callers resolve the same token either
 * way; {@link isCached} tells them apart where it matters.
 * @returns the entity types served through the cache
 * @throws {ConfigError} when `disabledEntities` names an entity type that is not registered
 * @throws {WriteCapabilityError} when `cache` records writes in an outbox and a cached entity's
 *   plain repository cannot (see `CachedRepository`)
 * @throws {ApiCollisionError} or {StrategyError} as `CachedRepository` does
 */
export function registerRepositories(
  container: DependencyContainer,
  cache: CacheService | null,
  registrations: readonly AnyRepositoryRegistration[],
  disabledEntities: ReadonlySet<string> = new Set(),
): string[] {
  const rows = registrations;
  const known = rows.map((row) => row.entityType);
  const unknown = [...disabledEntities].filter((name) => !known.includes(name));
  if (unknown.length > 0)
    throw new ConfigError([
      `CACHE_DISABLED_ENTITIES=${JSON.stringify([...disabledEntities].join(','))}: expected a ` +
        `comma-separated list of ${known.join(', ')}`,
    ]);
  // Every repository is built before any is registered: a refused one leaves the container as it was.
  const served = rows.map((row) => {
    const useCache = cache !== null && !disabledEntities.has(row.entityType);
    const value = useCache
      ? CachedRepository.wrap(row.plain, row.strategy, cache)
      : projectingRepository(row.plain, row.strategy.omitted);
    return { row, useCache, value };
  });
  for (const { row, value } of served) container.register(row.token, { useValue: value });
  return served.filter(({ useCache }) => useCache).map(({ row }) => row.entityType);
}

/**
 * True when `repository` is a cached repository, typed with the cache control it adds (`getCacheStats`,
 * `invalidateCache`).
 */
export function isCached<R extends object>(repository: R): repository is Cached<R> {
  return repository instanceof CachedRepository;
}
