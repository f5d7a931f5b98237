import type { DependencyContainer, InjectionToken } from 'tsyringe';
import { CachedRepository, type Cached } from '../repository/cached-repository';
import type { CacheService } from '../protocol/cache-service';
import type { CacheStrategy } from '../repository/cache-strategy';
import type { Entity } from '../repository/entity';
import { ConfigError } from '../errors';
import type { BeforeImageRepository, Repository } from '../repository/repository';

/** How one repository token is served: its plain repository and the strategy that caches it. */
export interface RepositoryRegistration<T extends Entity, R extends Repository<T>> {
  /** The entity type, as named in CACHE_DISABLED_ENTITIES and in the strategy. */
  entityType: string;
  token: InjectionToken<R>;
  /**
   * The plain repository: the port `R` and a `BeforeImageRepository` (its updates return the state they replaced, read
   * in their own transaction), since configuration may cache it. Wrap one that cannot in `readBeforeWrite(plain)`.
   */
  plain: R & BeforeImageRepository<T>;
  strategy: CacheStrategy<T, R>;
}

/** A registration of any entity type, as {@link registerRepositories} takes a list of them. */
export type AnyRepositoryRegistration = RepositoryRegistration<Entity, Repository<Entity>>;

/**
 * Declares a registration with its types checked (a strategy for another repository fails to compile), for a list of
 * registrations of several entity types.
 */
export function repositoryRegistration<T extends Entity, R extends Repository<T>>(
  registration: RepositoryRegistration<T, R>,
): AnyRepositoryRegistration {
  // Checked above; the list only needs what every registration has.
  return registration as unknown as AnyRepositoryRegistration;
}

/**
 * Registers one token per repository on a tsyringe `container`: a {@link CachedRepository}
 * around the plain repository when `cache` is given and the entity type is not in
 * `disabledEntities`, else the plain repository itself. Callers resolve the same token either
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
    return { row, useCache, value: useCache ? CachedRepository.wrap(row.plain, row.strategy, cache) : row.plain };
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
