import type { CapturedTable } from './captured-table';
import type { AnyEntity, IdOf } from './entity';
import { StrategyError } from '../errors';
import { checkNearCacheOptions, type NearCacheOptions } from '../near-cache/near-cache';
import type { Repository } from './repository';
import { createSuperjsonSerializer, type Serializer } from './serializer';
import { stringId, type IdCodec } from './id-codec';
import type { OmittableField } from './projection';
import { checkTtlSeconds } from './ttl';
import type { CollectionVariant } from './collection-variant';

type AsyncMethod = (...args: never[]) => Promise<unknown>;

/** Names of the methods of `R` that a strategy may cache: `findAll` and the entity finders. */
export type CacheableQueryName<R, T extends AnyEntity> =
  | 'findAll'
  | {
      [K in keyof R]: K extends keyof Repository<T> ? never : R[K] extends AsyncMethod ? K : never;
    }[keyof R];

/**
 * How the results of one query method are cached. `shape` says what a hit must look like
 * (checked on every hit, see `entry-codec.ts`): a method returning an array caches a list of
 * entities (`'list'`, the default); any other must declare `'one'`: an object with an `id`,
 * or null. The compiler enforces which applies. The key is given one of two ways
 * ({@link QueryKeying}): `key` (one key per call) or `collection` (pages and filters of one collection).
 */
export type QueryCachePolicy<A extends readonly unknown[], V = unknown[]> = QueryKeying<A> & {
  /** Seconds a result (one call's entry, or one page) stays cached. */
  ttlSeconds: number;
} & ShapeOf<V>;

/** The `shape` a policy must declare for a method resolving to `V`. */
export type ShapeOf<V> = [V] extends [readonly unknown[]] ? { shape?: 'list' } : { shape: 'one' };

/** Exactly one of `key` or `collection`: giving both or neither fails to compile. */
export type QueryKeying<A extends readonly unknown[]> = KeyedQuery<A> | CollectionQuery<A>;

/** A query cached under one key per call, which the writes that change its result name in `keysOf`. */
export interface KeyedQuery<A extends readonly unknown[]> {
  /** The cache key (unprefixed) of one call, from its arguments. */
  key(...args: A): string;
  collection?: never;
  variant?: never;
}

/**
 * A query whose calls read pages or filters of one collection (REDIS_CACHE.md, section 3, "Lists with arguments"):
 * `collection(...args)` is the collection's key, an ordinary key of the strategy's key schema that `keysOf` (or
 * `alwaysAffected`) names for every entity the collection holds. The key holds the collection's generation, a random
 * token; each page is cached under `{collection}@{generation}:{variant}`. A write invalidates the collection key like
 * any other key (one UNLINK, whatever the number of pages), after which every read finds a new generation and so
 * new page keys: the old pages are never read again and expire by their TTL (`cached-queries.ts`).
 */
export interface CollectionQuery<A extends readonly unknown[]> {
  /**
   * The key (unprefixed) of the collection this call reads a page or a filter of, e.g.
   * `(tag, page) => articleKeys.byTag({ tag })`. It must not be the `key` of another query (it holds a generation,
   * not an entry), and must not contain `@` (schema keys never do: placeholder values are percent-encoded).
   */
  collection(...args: A): string;
  /**
   * What tells this call's page apart from the collection's other pages, e.g. `(tag, page) => page`.
   * Encoded canonically (`collection-variant.ts`): types are told apart (`1` and `'1'`), record keys are sorted, and
   * a text longer than 200 characters is hashed (SHA-256, base64url), which bounds the page key's length.
   * @default every argument of the call, encoded the same way (which throws {@link StrategyError} at call time for
   *   a function, a symbol, a class instance or a cycle: give a `variant` for such arguments)
   */
  variant?(...args: A): CollectionVariant;
  key?: never;
}

type PolicyOf<R, K, Ttl> = K extends keyof R
  ? R[K] extends (...args: infer A) => Promise<infer V>
    ? QueryKeying<A> & ShapeOf<V> & Ttl
    : never
  : never;

/** One optional policy per cacheable query method of `R`; methods without one are not cached. */
export type QueryPolicies<R, T extends AnyEntity> = {
  readonly [K in CacheableQueryName<R, T>]?: PolicyOf<R, K, { ttlSeconds: number }>;
};

/** Like {@link QueryPolicies}, with `ttlSeconds` optional (the strategy's TTL by default). */
export type QueryDefinitions<R, T extends AnyEntity> = {
  readonly [K in CacheableQueryName<R, T>]?: PolicyOf<R, K, { ttlSeconds?: number }>;
};

/**
 * Everything entity-specific about caching one entity type: keys, TTLs, serialization and
 * which keys a write makes stale. The generic `CachedRepository` does the rest. Build one with
 * {@link defineCacheStrategy}. Strategies are immutable and may be shared by many repositories.
 */
export interface CacheStrategy<
  T extends AnyEntity,
  R extends Repository<T> = Repository<T>,
  O extends OmittableField<T> = never,
> {
  /** Name used in stats and logs, e.g. `hero`. */
  readonly entityType: string;
  /** Key namespaces this strategy owns; invalidating the whole entity type clears `{namespace}:*`. */
  readonly namespaces: readonly string[];
  /** Seconds an entity stays cached under its id key. */
  readonly entityTtlSeconds: number;
  /** Seconds the answer "no entity with this id" stays cached (negative caching); 0 turns it off. */
  readonly negativeTtlSeconds: number;
  /** Encodes entities and query results; a round trip gives back an equal value. */
  readonly serializer: Serializer;
  /** Cached query methods (findAll and entity finders) with their keys and TTLs. */
  readonly queries: QueryPolicies<R, T>;
  /** The in-process near cache in front of Redis for every key of this strategy, or null for none. */
  readonly nearCache?: Readonly<NearCacheOptions> | null | undefined;
  /** The tables whose committed changes make this strategy's keys stale (change capture); none when absent or empty. */
  readonly capture?: readonly CapturedTable<T>[];
  /** The type of the entity's ids: every id a cached repository is given is checked with it. */
  readonly ids: IdCodec<IdOf<T>>;
  /** Fields kept out of the cache (never stored; a cached repository returns entities without them). */
  readonly omitted: readonly O[];
  /** The key (unprefixed) of one entity, e.g. `hero:{id}`; called with valid ids only (see {@link ids}). */
  entityKey(id: IdOf<T>): string;
  /**
   * Every key whose cached value may differ after an entity goes from `before` to `after`
   * (`before` is null for a create, `after` null for a delete): the entity's own key and every
   * list or query key that holds, or should now hold, the entity in either state.
   */
  affectedKeys(before: T | null, after: T | null): string[];
}

/**
 * What {@link defineCacheStrategy} takes: {@link CacheStrategyFields}, the id type when the entity's id is not a string
 * ({@link IdDefinition}) and the fields kept out of the cache when `O` names some ({@link OmitDefinition}).
 */
export type CacheStrategyDefinition<
  T extends AnyEntity,
  R extends Repository<T>,
  O extends OmittableField<T> = never,
> = CacheStrategyFields<T, R> & IdDefinition<IdOf<T>> & OmitDefinition<O>;

/**
 * The id type of a strategy's entity: `id: intId()` for a number id, `bigIntId()` for a bigint, `compositeId({ ... })`
 * for an object; optional for a string id (`stringId()` by default). Leaving it out for another id type, or giving one
 * of another type, fails to compile.
 */
export type IdDefinition<Id> = [Id] extends [string] ? { id?: IdCodec<Id> } : { id: IdCodec<Id> };

/**
 * The fields kept out of the cache (projection, REDIS_CACHE.md section 2): one `true` per field named in the third type
 * argument of {@link defineCacheStrategy}, e.g. `omit: { passwordHash: true }`; a field named in one and not the other
 * fails to compile. They never reach Redis or the near cache, and the cached repository returns its entities without
 * them (typed so). Not allowed when `O` is `never` (the default).
 */
export type OmitDefinition<O extends PropertyKey> = [O] extends [never]
  ? { omit?: undefined }
  : { omit: { readonly [K in O]: true } };

/** The fields of a strategy definition every strategy has. TTLs are seconds. */
export interface CacheStrategyFields<T extends AnyEntity, R extends Repository<T>> {
  /** Name used in stats and logs, e.g. `hero`. */
  entityType: string;
  /** Key namespaces this strategy owns (a key schema's `$namespace`). */
  namespaces: readonly string[];
  /** Seconds an entity, and by default every query result, stays cached. */
  ttlSeconds: number;
  /** Seconds "no entity with this id" stays cached; 0 turns negative caching off. @default 30 */
  negativeTtlSeconds?: number | undefined;
  /** @default a superjson serializer without value-object codecs */
  serializer?: Serializer;
  /**
   * The key of one entity, e.g. `(id) => heroKeys.byId({ id })`, or `(id) => keys.byId(id)` for a composite id and
   * the pattern `membership:{userId}:{articleId}`.
   */
  entityKey(id: IdOf<T>): string;
  /** Cached queries; a misspelled method name or a key function of the wrong arguments fails to compile. */
  queries?: QueryDefinitions<R, T>;
  /**
   * The keys that hold one state of an entity: its own key and every list or query key it
   * appears in. A write makes stale the keys of its old state and of its new state.
   * Ask, for every cached query: which writes change its result?
   */
  keysOf(entity: T): readonly string[];
  /** Keys every write of this type makes stale whatever the states (e.g. the `all` list). @default [] */
  alwaysAffected?: readonly string[];
  /**
   * An in-process near cache (L1) in front of Redis for every key of this strategy, kept
   * coherent by Redis client tracking (REDIS_CACHE.md, "Near cache"): worth it for read-mostly
   * entities. Bounded by `maxEntries` and `maxBytes` (estimated); an entry lives at most
   * `ttlSeconds`, never longer than its key's Redis TTL. Off when the cache service's near
   * caches are disabled (CACHE_NEAR_CACHE_ENABLED=false). @default none
   */
  nearCache?: NearCacheOptions | undefined;
  /**
   * The tables this strategy caches, for change capture (`cachedrepo/capture`): a committed change of one of their
   * rows, made through the repositories or not, invalidates `affectedKeys` of its old and new images. @default none
   */
  capture?: readonly CapturedTable<T>[];
}

/** Default of {@link CacheStrategyDefinition.negativeTtlSeconds}, in seconds. */
export const DEFAULT_NEGATIVE_TTL_SECONDS = 30;

/**
 * Declares a strategy. `affectedKeys(before, after)` is `keysOf(before)`, `keysOf(after)` and
 * `alwaysAffected` together, without duplicates.
 * @example
 * const heroStrategy = defineCacheStrategy<Hero, HeroRepository>({
 *   entityType: 'hero', namespaces: [heroKeys.$namespace], ttlSeconds: 3600,
 *   entityKey: (id) => heroKeys.byId({ id }),
 *   queries: { findByLanguage: { key: (language) => heroKeys.byLanguage({ language }) } },
 *   keysOf: (hero) => [heroKeys.byId({ id: hero.id }), heroKeys.byLanguage({ language: hero.language })],
 * });
 * // An Int id, and a field kept out of the cache (the third type argument names it, `omit` lists it):
 * const userStrategy = defineCacheStrategy<User, UserRepository, 'passwordHash'>({
 *   entityType: 'user', namespaces: [userKeys.$namespace], ttlSeconds: 600, id: intId(),
 *   entityKey: (id) => userKeys.byId({ id }), omit: { passwordHash: true },
 *   keysOf: (user) => [userKeys.byId({ id: user.id })],
 * });
 * @throws {StrategyError} for a TTL that is not a whole number of seconds (at least 1; the negative TTL at least 0),
 *   a query policy without exactly one of `key` and `collection` (or a `variant` without `collection`), near-cache
 *   bounds that are not positive whole numbers, or an `omit` that is not fields mapped to `true` (or names `id`)
 */
export function defineCacheStrategy<
  T extends AnyEntity,
  R extends Repository<T> = Repository<T>,
  O extends OmittableField<T> = never,
>(definition: CacheStrategyDefinition<T, R, O>): CacheStrategy<T, R, O> {
  const ttlSeconds = checkTtlSeconds(`${definition.entityType} TTL`, definition.ttlSeconds, 1);
  const negativeTtlSeconds = checkTtlSeconds(
    `${definition.entityType} negative TTL`,
    definition.negativeTtlSeconds ?? DEFAULT_NEGATIVE_TTL_SECONDS,
    0,
  );
  const queries: Record<string, unknown> = {};
  for (const [name, query] of Object.entries(definition.queries ?? {}) as [
    string,
    { ttlSeconds?: number } | undefined,
  ][]) {
    if (!query) continue;
    checkKeying(`${definition.entityType}.${name}`, query);
    queries[name] = {
      ...query,
      ttlSeconds: checkTtlSeconds(`${definition.entityType}.${name} TTL`, query.ttlSeconds ?? ttlSeconds, 1),
    };
  }
  const { keysOf, alwaysAffected = [] } = definition;
  const nearCache = definition.nearCache ? checkNearCacheOptions(definition.entityType, definition.nearCache) : null;
  const omitted = omittedFields<O>(definition.entityType, definition.omit);
  return Object.freeze({
    entityType: definition.entityType,
    namespaces: Object.freeze([...definition.namespaces]),
    entityTtlSeconds: ttlSeconds,
    negativeTtlSeconds,
    serializer: definition.serializer ?? createSuperjsonSerializer(),
    queries: Object.freeze(queries) as QueryPolicies<R, T>,
    nearCache,
    capture: Object.freeze([...(definition.capture ?? [])]),
    ids: definition.id ?? (stringId() as IdCodec<IdOf<T>>),
    omitted,
    entityKey: definition.entityKey,
    affectedKeys(before: T | null, after: T | null): string[] {
      const keys = new Set(alwaysAffected);
      if (before) for (const key of keysOf(before)) keys.add(key);
      if (after) for (const key of keysOf(after)) keys.add(key);
      return [...keys];
    },
  });
}

/** Exactly one of `key` and `collection` is a function; `variant` comes with `collection` only (plain JavaScript). */
function checkKeying(where: string, query: object): void {
  const { key, collection, variant } = query as Partial<Record<'key' | 'collection' | 'variant', unknown>>;
  const keyed = typeof key === 'function';
  const collected = typeof collection === 'function';
  if (keyed === collected || (key !== undefined && !keyed) || (collection !== undefined && !collected))
    throw new StrategyError(`The ${where} query policy must give exactly one of key(...args) and collection(...args)`);
  if (variant !== undefined && (!collected || typeof variant !== 'function'))
    throw new StrategyError(`The ${where} query policy's variant must be a function, given with collection(...args)`);
}

/** The names given `true` in a definition's `omit`, checked. */
function omittedFields<O extends string>(entityType: string, omit: unknown): readonly O[] {
  if (omit === undefined) return Object.freeze([]);
  const fields = typeof omit === 'object' && omit !== null ? Object.entries(omit) : [];
  if (fields.length === 0 || fields.some(([name, value]) => value !== true || name === 'id'))
    throw new StrategyError(
      `The ${entityType} strategy's omit must map the fields kept out of the cache to true, and cannot omit id, ` +
        `got ${JSON.stringify(omit)}`,
    );
  return Object.freeze(fields.map(([name]) => name as O));
}
