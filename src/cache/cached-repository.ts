import type { Entity, EntityChanges, NewEntity } from '../domain/entity';
import { isChangeTracking, type Repository } from '../repositories/repository';
import { CacheAsideReader, isEntityOrNull } from './cache-aside-reader';
import type { CacheService } from './cache-service';
import type { CacheStatsSnapshot, EntityCacheStats } from './cache-stats';
import type { CacheStrategy, QueryCachePolicy } from './cache-strategy';

/** Cache management every cached repository adds to the interface it decorates. */
export interface CacheControl {
  /**
   * Invalidates by hand. With an id: that entity's key and every list or query key its
   * current state appears in. Without: every key of the entity type (SCAN + UNLINK over its
   * namespaces; its cost grows with the keyspace, keep it for administration).
   */
  invalidateCache(id?: string): Promise<void>;
  /** Hits, misses, errors and hit ratio of this entity type (shared by every repository of the type on one CacheService). */
  getCacheStats(): CacheStatsSnapshot;
}

/** A repository of type `R` with caching: the same interface plus {@link CacheControl}. */
export type Cached<R> = R & CacheControl;

// Methods this class defines itself, and base methods never forwarded: a write forwarded
// past the cache would skip invalidation.
const notForwarded = new Set(['findById', 'findByIds', 'findAll', 'save', 'update', 'delete', 'invalidateCache', 'getCacheStats', 'updateReturningPrevious']);

/**
 * Decorates any repository with cache-aside reads and invalidation on write, driven by a
 * {@link CacheStrategy}. It has the interface of the repository it wraps, so it stands in
 * anywhere that repository is expected:
 *
 * - reads: `findById`, `findByIds` and every query the strategy declares a policy for are
 *   served from Redis when cached, else loaded from the base repository and stored;
 * - writes go to the base repository first; only after they succeed are the keys the
 *   strategy names invalidated. A failing cache never fails a read or a write;
 * - other methods of the base repository are passed through unchanged.
 */
export class CachedRepository<T extends Entity, R extends Repository<T> = Repository<T>> implements Repository<T>, CacheControl {
  private readonly reader: CacheAsideReader;
  private readonly stats: EntityCacheStats;
  private readonly negativeOrEntityTtl: (entity: T | null) => number;

  constructor(
    private readonly base: R,
    private readonly strategy: CacheStrategy<T, R>,
    private readonly cache: CacheService,
  ) {
    this.stats = cache.stats.for(strategy.entityType);
    this.reader = new CacheAsideReader(cache, strategy.serializer, this.stats);
    this.negativeOrEntityTtl = (entity) => (entity === null ? strategy.negativeTtlSeconds : strategy.entityTtlSeconds);
    this.installQueriesAndPassThrough();
  }

  /** Wraps `base` and types the result as `base`'s own interface plus {@link CacheControl}. */
  static wrap<T extends Entity, R extends Repository<T>>(base: R, strategy: CacheStrategy<T, R>, cache: CacheService): Cached<R> {
    return new CachedRepository<T, R>(base, strategy, cache) as unknown as Cached<R>;
  }

  findById(id: string): Promise<T | null> {
    return this.reader.read(this.strategy.entityKey(id), this.negativeOrEntityTtl, () => this.base.findById(id), (value) => isEntityOrNull(value, id));
  }

  findByIds(ids: readonly string[]): Promise<T[]> {
    return this.reader.readMany(ids, (id) => this.strategy.entityKey(id), this.negativeOrEntityTtl, (missing) => this.base.findByIds(missing));
  }

  findAll(): Promise<T[]> {
    // Replaced in the constructor when the strategy caches findAll.
    return this.base.findAll();
  }

  async save(input: NewEntity<T>): Promise<T> {
    const created = await this.base.save(input);
    await this.invalidate(this.strategy.affectedKeys(null, created));
    return created;
  }

  async update(id: string, changes: EntityChanges<T>): Promise<T> {
    const { before, after } = isChangeTracking<T>(this.base)
      ? await this.base.updateReturningPrevious(id, changes)
      : { before: await this.base.findById(id), after: await this.base.update(id, changes) };
    await this.invalidate(this.strategy.affectedKeys(before, after));
    return after;
  }

  async delete(id: string): Promise<T | null> {
    const deleted = await this.base.delete(id);
    await this.invalidate(deleted ? this.strategy.affectedKeys(deleted, null) : [this.strategy.entityKey(id)]);
    return deleted;
  }

  async invalidateCache(id?: string): Promise<void> {
    if (id !== undefined) {
      const current = await this.base.findById(id);
      await this.invalidate(current ? this.strategy.affectedKeys(current, null) : [this.strategy.entityKey(id)]);
      return;
    }
    for (const namespace of this.strategy.namespaces) {
      this.stats.invalidations += await this.cache.deletePattern(`${namespace}:*`);
    }
  }

  getCacheStats(): CacheStatsSnapshot {
    return this.stats.snapshot();
  }

  private invalidate(keys: string[]): Promise<boolean> {
    return this.cache.invalidate(keys, this.stats);
  }

  /** Defines one cached method per query policy, and forwards every other method of the base. */
  private installQueriesAndPassThrough(): void {
    const self = this as unknown as Record<string, unknown>;
    const policies = this.strategy.queries as Record<string, QueryCachePolicy<unknown[]> | undefined>;
    const base = this.base as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    for (const [name, policy] of Object.entries(policies)) {
      if (!policy) continue;
      if (typeof base[name] !== 'function') throw new TypeError(`${this.strategy.entityType} strategy caches ${name}, which the repository does not have`);
      const ttl = (): number => policy.ttlSeconds;
      self[name] = (...args: unknown[]) => this.reader.read(policy.key(...args), ttl, () => base[name]!(...args));
    }
    for (const name of methodNames(this.base)) {
      if (notForwarded.has(name) || name in policies) continue;
      self[name] = (...args: unknown[]) => base[name]!(...args);
    }
  }
}

function methodNames(object: object): Set<string> {
  const names = new Set<string>();
  for (let proto: object | null = object; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name !== 'constructor' && typeof (object as Record<string, unknown>)[name] === 'function') names.add(name);
    }
  }
  return names;
}
