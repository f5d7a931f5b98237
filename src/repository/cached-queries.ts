import type { CacheAsideReader } from '../protocol/cache-aside-reader';
import type { CacheService } from '../protocol/cache-service';
import type { EntityCheck, EntryShape } from '../protocol/entry-codec';
import type { RepositoryWatch } from '../protocol/read-watch';
import type { EntityCacheStats } from '../observability/cache-stats';
import { StrategyError } from '../errors';
import type { CollectionQuery, QueryCachePolicy } from './cache-strategy';
import { encodeVariant } from './collection-variant';
import type { Projector } from './projection';

type AsyncFunction = (...args: unknown[]) => Promise<unknown>;

/** What the cached query methods of one `CachedRepository` read through. */
export interface QueryReadParts {
  readonly entityType: string;
  readonly cache: CacheService;
  readonly reader: CacheAsideReader;
  /** The consistency auditor and tracing, when on (`CacheService.watches`). */
  readonly watch: RepositoryWatch | null;
  readonly stats: EntityCacheStats;
  readonly check: EntityCheck;
  readonly project: Projector;
}

/**
 * A cached read of `key`: the reader's cache-aside read (leases, single-flight, near cache), through the watch when
 * one is on.
 */
export function readThrough<V>(
  parts: Pick<QueryReadParts, 'reader' | 'watch'>,
  method: string,
  key: string,
  shape: EntryShape,
  ttl: (value: V) => number,
  load: () => Promise<V>,
): Promise<V> {
  const { reader, watch } = parts;
  if (watch === null) return reader.read(key, shape, ttl, load);
  return watch.read(method, key, shape, load, (watched, report) =>
    reader.readReporting(key, shape, ttl, watched, report),
  );
}

/**
 * The cached method `name` of a repository, from its policy: a keyed query reads the key `policy.key(...args)`; a
 * collection query reads a page of its collection's current generation ({@link collectionQuery}). What the base
 * method returns is projected (the strategy's `omit`) before it is stored or returned.
 */
export function cachedQuery(
  name: string,
  policy: QueryCachePolicy<unknown[]>,
  base: object,
  method: AsyncFunction,
  parts: QueryReadParts,
): AsyncFunction {
  const shape: EntryShape = Object.freeze({ kind: policy.shape ?? 'list', entity: parts.check });
  const ttl = (): number => policy.ttlSeconds;
  const { project, reader } = parts;
  if (policy.collection) return collectionQuery(name, policy, shape, base, method, parts);
  const key = policy.key;
  // Without a watch the reader is called directly, as before watches existed (the hit path pays for nothing else).
  return parts.watch === null
    ? (...args) => reader.read(key(...args), shape, ttl, async () => project(await method.apply(base, args)))
    : (...args) =>
        readThrough(parts, name, key(...args), shape, ttl, async () => project(await method.apply(base, args)));
}

/**
 * The page key of a call of a collection query: `{collection}@{generation}:{variant}`. A key of the strategy's key
 * schema never holds `@` (placeholder values are percent-encoded), so no page key equals a schema key; a page key
 * still starts with the collection's namespace, so clearing the namespace (or the dataset) removes pages too.
 */
export function pageKey(collection: string, generation: string, variant: string): string {
  return `${collection}@${generation}:${variant}`;
}

/**
 * A collection query (REDIS_CACHE.md, section 3, "Lists with arguments"). Each call:
 * 1. reads the collection's generation from Redis, creating it when absent (one command, `generations.ts`), never
 *    from a near cache: a write changes it;
 * 2. reads the page `{collection}@{generation}:{variant}` through the ordinary cache-aside read, with its lease,
 *    single-flight and near cache (a page key under one generation never changes meaning).
 *
 * A write invalidates the collection key like any other key; a read that starts after the write's invalidation reads
 * a new generation and loads its page after the write's commit, so it is never stale, and a slow load's page stored
 * under the old generation is only read by reads that began before the write completed. When Redis cannot give a
 * generation (unavailable, or the key holds something else), the call loads from the base repository, uncached.
 * @throws {StrategyError} (the promise rejects) when the collection key holds `@`, or the variant cannot be encoded
 */
function collectionQuery(
  name: string,
  policy: CollectionQuery<unknown[]> & { readonly ttlSeconds: number },
  shape: EntryShape,
  base: object,
  method: AsyncFunction,
  parts: QueryReadParts,
): AsyncFunction {
  const where = `${parts.entityType}.${name}`;
  const ttlSeconds = policy.ttlSeconds;
  const ttl = (): number => ttlSeconds;
  const { cache, stats, project } = parts;
  return async (...args) => {
    const collection = policy.collection(...args);
    if (typeof collection !== 'string' || collection === '' || collection.includes('@'))
      throw new StrategyError(
        `${where}: collection(...args) must return a key of the strategy's key schema (a non-empty string without ` +
          `'@'), got ${JSON.stringify(collection)}`,
      );
    const variant = encodeVariant(policy.variant ? policy.variant(...args) : args, where);
    const load = async (): Promise<unknown> => project(await method.apply(base, args));
    // The generation key lives at least as long as the pages cached under it (their TTL).
    const generation = await cache.generation(collection, ttlSeconds, stats);
    if (generation === null) return load();
    return readThrough(parts, name, pageKey(collection, generation, variant), shape, ttl, load);
  };
}
