import type { Entity } from '../domain/entity';
import type { Repository } from '../repositories/repository';
import { StrategyError } from './errors';
import type { Serializer } from './serializer';

type AsyncMethod = (...args: never[]) => Promise<unknown>;

/** Names of the methods of `R` that a strategy may cache: `findAll` and the entity finders. */
export type CacheableQueryName<R, T extends Entity> =
  | 'findAll'
  | {
      [K in keyof R]: K extends keyof Repository<T> ? never : R[K] extends AsyncMethod ? K : never;
    }[keyof R];

/**
 * How the results of one query method are cached. `shape` says what a hit must look like
 * (checked on every hit, see `entry-codec.ts`): a method returning an array caches a list of
 * entities (`'list'`, the default); any other must declare `'one'`: an object with an `id`,
 * or null. The compiler enforces which applies.
 */
export type QueryCachePolicy<A extends readonly unknown[], V = unknown[]> = {
  /** The cache key (unprefixed) of one call, from its arguments. */
  key(...args: A): string;
  /** Seconds a result stays cached. */
  ttlSeconds: number;
} & ([V] extends [readonly unknown[]] ? { shape?: 'list' } : { shape: 'one' });

/** One optional policy per cacheable query method of `R`; methods without one are not cached. */
export type QueryPolicies<R, T extends Entity> = {
  readonly [K in CacheableQueryName<R, T>]?: K extends keyof R
    ? R[K] extends (...args: infer A) => Promise<infer V>
      ? QueryCachePolicy<A, V>
      : never
    : never;
};

/**
 * Everything entity-specific about caching one entity type: keys, TTLs, serialization and
 * which keys a write makes stale. The generic {@link CachedRepository} does the rest, so a
 * new entity needs a strategy and a registration, no new repository class.
 *
 * Strategies are stateless after construction and may be shared by many repositories.
 */
export abstract class CacheStrategy<T extends Entity, R extends Repository<T> = Repository<T>> {
  /** Name used in stats and logs, e.g. `hero`. */
  abstract readonly entityType: string;
  /** Key namespaces this strategy owns; invalidating the whole entity type clears `{namespace}:*`. */
  abstract readonly namespaces: readonly string[];
  /** Seconds an entity stays cached under its id key. */
  readonly entityTtlSeconds: number;
  /** Seconds the answer "no entity with this id" stays cached (negative caching); 0 turns it off. */
  readonly negativeTtlSeconds: number;
  /** Encodes entities and query results; a round trip must give back an equal value. */
  abstract readonly serializer: Serializer;
  /** Cached query methods (findAll and entity finders) with their keys and TTLs. */
  abstract readonly queries: QueryPolicies<R, T>;

  /**
   * @param ttls `entityTtlSeconds` for the id key; `negativeTtlSeconds` @default 30
   * @throws {RangeError} for a TTL that is not a positive integer (negative TTL: 0 or more).
   */
  constructor(ttls: { entityTtlSeconds: number; negativeTtlSeconds?: number | undefined }) {
    this.entityTtlSeconds = checkTtl('entity TTL', ttls.entityTtlSeconds, 1);
    this.negativeTtlSeconds = checkTtl('negative TTL', ttls.negativeTtlSeconds ?? DEFAULT_NEGATIVE_TTL_SECONDS, 0);
  }

  /** The key (unprefixed) of one entity, e.g. `hero:{id}`. */
  abstract entityKey(id: string): string;

  /**
   * Every key whose cached value may differ after an entity goes from `before` to `after`
   * (`before` is null for a create, `after` null for a delete): the entity's own key and
   * every list or query key that holds, or should now hold, the entity in either state.
   */
  abstract affectedKeys(before: T | null, after: T | null): string[];

  /** Helper for {@link affectedKeys}: `keysOf` applied to each existing state, plus `always`, without duplicates. */
  protected keysOfStates(before: T | null, after: T | null, keysOf: (state: T) => string[], always: string[] = []): string[] {
    const keys = new Set(always);
    for (const state of [before, after]) if (state) for (const key of keysOf(state)) keys.add(key);
    return [...keys];
  }
}

/** TTL options every strategy takes. */
export interface EntityCacheTtlOptions {
  /** Seconds entities and query results stay cached. Each strategy documents its default. */
  ttlSeconds?: number;
  /** Seconds "no entity with this id" stays cached; 0 turns negative caching off. @default 30 */
  negativeTtlSeconds?: number;
}

/** Default of {@link EntityCacheTtlOptions.negativeTtlSeconds}. */
export const DEFAULT_NEGATIVE_TTL_SECONDS = 30;

function checkTtl(what: string, seconds: number, minimum: number): number {
  if (!Number.isInteger(seconds) || seconds < minimum) throw new StrategyError(`${what} must be an integer >= ${minimum} seconds, got ${seconds}`);
  return seconds;
}
