import type { AnyEntity, EntityChanges, IdOf, NewEntity } from './entity';
import type { BeforeImageRepository, EntityChange, Repository } from './repository';
import { writePathOf, type WritePath } from './write-path';
import type { WriteReceipt } from './write-receipt';
import { CacheAsideReader } from '../protocol/cache-aside-reader';
import { decodeEntry, REJECTED, type EntityCheck, type EntryShape } from '../protocol/entry-codec';
import { checkId, invalidIdError, type IdCodec } from './id-codec';
import { projectChange, projectorOf, type OmittableField, type Projection, type Projector } from './projection';
import type { RepositoryWatch } from '../protocol/read-watch';
import { ApiCollisionError, StrategyError } from '../errors';
import type { CacheService } from '../protocol/cache-service';
import type { CacheStatsSnapshot, EntityCacheStats } from '../observability/cache-stats';
import type { CacheStrategy, QueryCachePolicy } from './cache-strategy';
import type { Cached, CacheControl, OutboxWriteMember } from './cache-control';

export type { Cached, CacheControl, OutboxWriteMember, RepositoryIdOf } from './cache-control';
import {
  cachedQuery,
  methodNames,
  passedThrough,
  readThrough,
  type AsyncFunction,
  type QueryReadParts,
} from './cached-queries';

/** Names a base repository or a strategy's queries must not use: the decorator's own API. */
const RESERVED_NAMES: ReadonlySet<string> = new Set(['invalidateCache', 'getCacheStats']);
/**
 * Methods the decorator implements itself: never forwarded, since a write forwarded past the cache would skip
 * invalidation.
 */
const OWN_METHODS: ReadonlySet<string> = new Set([
  'findById',
  'findByIds',
  'findAll',
  'save',
  'update',
  'delete',
  'updateReturningBeforeImage',
  'saveRecorded',
  'updateRecorded',
  'deleteRecorded',
]);

/** The write methods a span is opened for when tracing is on (`update` calls `updateReturningBeforeImage`). */
const TRACED_WRITES: readonly string[] = Object.freeze(['save', 'updateReturningBeforeImage', 'delete']);

/** Entity keys remembered per repository (a Map of id text to key, emptied when full). */
const KEY_MEMO_SIZE = 4096;

/**
 * Decorates any repository with cache-aside reads and invalidation on write, driven by a
 * {@link CacheStrategy}. It has the interface of the repository it wraps (use {@link wrap} to
 * get it typed so), so it stands in anywhere that repository is expected:
 *
 * - reads: `findById`, `findByIds` and every query the strategy declares a policy for are
 *   served from Redis when cached, else loaded from the base repository and stored;
 * - writes go to the base repository first; only after they succeed are the keys the strategy
 *   names for the state before and after the write invalidated. The base is a
 *   {@link BeforeImageRepository}, so the state an update replaced is read in the update's own
 *   transaction (or it is explicitly `readBeforeWrite(base)`, with that adapter's bound). When
 *   the cache service has an outbox, writes also record their invalidation in it, in the same
 *   transaction (the base must be an `OutboxRecordingRepository`). How it writes is decided once,
 *   at construction. A failing cache never fails a read or a write;
 * - every other method of the base repository is passed through (uncached);
 * - every id is checked with the strategy's id type first (`InvalidIdError`, before Redis or the base is asked);
 * - with a projection (the strategy's `omit`), every entity any method returns lacks the omitted fields, and
 *   none of them is stored (REDIS_CACHE.md, section 2).
 *
 * Its state is in `#private` fields, which no base method can shadow. With no projection it is itself a
 * `BeforeImageRepository<T>`, so a cached repository can be the base of another.
 */
export class CachedRepository<
  T extends AnyEntity,
  R extends Repository<T> = Repository<T>,
  O extends OmittableField<T> = never,
> implements CacheControl<IdOf<T>> {
  readonly #base: R;
  readonly #writes: WritePath<T>;
  readonly #strategy: CacheStrategy<T, R, O>;
  readonly #cache: CacheService;
  readonly #reader: CacheAsideReader;
  readonly #stats: EntityCacheStats;
  readonly #findAll: (() => Promise<T[]>) | undefined;
  readonly #ids: IdCodec<IdOf<T>>;
  readonly #check: EntityCheck & { readonly ids: IdCodec<IdOf<T>> };
  readonly #project: Projector;
  /** The consistency auditor and tracing, when on (`CacheService.watches`). */
  readonly #watch: RepositoryWatch | null;

  /**
   * @throws {ApiCollisionError} when the base repository has a method named like the
   *   decorator's own API (`invalidateCache`, `getCacheStats`)
   * @throws {StrategyError} when the strategy caches a query the base repository lacks
   * @throws {WriteCapabilityError} when the base has no `updateReturningBeforeImage` (a cast
   *   or plain JavaScript got past the compiler), or when `cache` records writes in an outbox
   *   and the base does not declare `recordsWritesInOutbox` (see `OutboxRecordingRepository`)
   */
  constructor(base: R & BeforeImageRepository<T>, strategy: CacheStrategy<T, R, O>, cache: CacheService) {
    this.#base = base;
    this.#strategy = strategy;
    this.#cache = cache;
    this.#ids = strategy.ids;
    this.#check = Object.freeze({ ids: strategy.ids, omitted: strategy.omitted });
    this.#project = projectorOf(strategy.omitted);
    const writes = writePathOf<T>(base, strategy.entityType, {
      withOutbox: cache.recordsWritesInOutbox,
      recordsNow: () => cache.durableWrites.recordsInOutbox(strategy.entityType),
      capturedNow: () => cache.durableWrites.captures(strategy.entityType),
      changeLogNow: () => cache.durableWrites.changeLogOf(strategy.entityType),
      affected: this.#affected,
      ...(strategy.capture && { keyTables: strategy.capture }),
    });
    this.#stats = cache.stats.for(strategy.entityType);
    const near = strategy.nearCache
      ? cache.nearCacheFor(strategy.entityType, strategy.nearCache, strategy.serializer)
      : null;
    this.#reader = new CacheAsideReader(cache, strategy.serializer, this.#stats, near);
    this.#watch = cache.watches.watchFor(strategy.entityType, strategy.serializer, near, this.#stats);
    this.#writes = this.#watch?.tracer?.traceWrites(this, TRACED_WRITES, writes) ?? writes;
    const names = methodNames(base);
    const shadowing = [...names].filter((name) => RESERVED_NAMES.has(name));
    if (shadowing.length > 0)
      throw new ApiCollisionError(
        `The ${strategy.entityType} repository has ${shadowing.join(', ')}, which would shadow the ` +
          `cached repository's own API: rename it`,
      );
    const policies = strategy.queries as Readonly<Record<string, QueryCachePolicy<unknown[]> | undefined>>;
    const self = this as unknown as Record<string, AsyncFunction>;
    const baseMethods = base as unknown as Record<string, AsyncFunction>;
    const project = this.#project;
    const projects = strategy.omitted.length > 0;
    const parts: QueryReadParts = {
      entityType: strategy.entityType,
      cache,
      reader: this.#reader,
      watch: this.#watch,
      stats: this.#stats,
      check: this.#check,
      project,
    };
    for (const [name, policy] of Object.entries(policies)) {
      if (!policy) continue;
      if (!names.has(name))
        throw new StrategyError(
          `The ${strategy.entityType} strategy caches ${name}, which the repository does not have`,
        );
      const cached = cachedQuery(name, policy, base, baseMethods[name] as AsyncFunction, parts);
      if (name === 'findAll') this.#findAll = cached as () => Promise<T[]>;
      else self[name] = cached;
    }
    for (const name of names)
      if (!OWN_METHODS.has(name) && !(name in policies))
        self[name] = passedThrough(base, baseMethods[name] as AsyncFunction, projects ? project : null);
  }

  /**
   * Wraps `base` and types the result as `base`'s own type plus {@link CacheControl}: a base
   * that is a subclass of the strategy's repository type `R` keeps its extra methods in the
   * result (they are forwarded uncached at run time), less the outbox writes it records itself.
   * `base` must be `R` and a {@link BeforeImageRepository} (or `readBeforeWrite(base)`).
   * @throws {ApiCollisionError} as the constructor does
   * @throws {StrategyError} as the constructor does
   * @throws {WriteCapabilityError} as the constructor does
   */
  static wrap<
    T extends AnyEntity,
    R extends Repository<T>,
    O extends OmittableField<T> = never,
    B extends R & BeforeImageRepository<T> = R & BeforeImageRepository<T>,
  >(base: B, strategy: CacheStrategy<T, R, O>, cache: CacheService): Cached<Omit<B, OutboxWriteMember>, O> {
    return new CachedRepository<T, R, O>(base, strategy, cache) as unknown as Cached<Omit<B, OutboxWriteMember>, O>;
  }

  /** @throws {InvalidIdError} when `id` is not an id of the entity's type */
  findById(id: IdOf<T>): Promise<Projection<T, O> | null> {
    if (!this.#ids.is(id)) return Promise.reject(invalidIdError(this.#ids, this.#strategy.entityType, id));
    const shape: EntryShape = { kind: 'entity', id, entity: this.#check };
    // The hit path: with nothing watching, the reader is called as before watches existed. (The load is written in
    // each call: held in a local first, it made a near-cache hit cost 0.8 us instead of 0.4, measured.)
    return (
      this.#watch === null
        ? this.#reader.read(this.#keyOf(id), shape, this.#entityTtl, async () =>
            this.#project(await this.#base.findById(id)),
          )
        : this.#read('findById', this.#keyOf(id), shape, this.#entityTtl, async () =>
            this.#project(await this.#base.findById(id)),
          )
    ) as Promise<Projection<T, O> | null>;
  }

  /** @throws {InvalidIdError} when an id is not an id of the entity's type (before anything is read) */
  findByIds(ids: readonly IdOf<T>[]): Promise<Projection<T, O>[]> {
    for (const id of ids)
      if (!this.#ids.is(id)) return Promise.reject(invalidIdError(this.#ids, this.#strategy.entityType, id));
    const load = async (missing: IdOf<T>[]): Promise<T[]> => this.#project(await this.#base.findByIds(missing));
    return (
      this.#watch === null
        ? this.#reader.readMany(ids, this.#check, this.#keyOf, this.#entityTtl, load)
        : this.#watch.readMany('findByIds', load, (watched) =>
            this.#reader.readMany(ids, this.#check, this.#keyOf, this.#entityTtl, watched),
          )
    ) as Promise<Projection<T, O>[]>;
  }

  /** Cached when the strategy has a `findAll` policy, else the base's `findAll`. */
  async findAll(): Promise<Projection<T, O>[]> {
    // A cached findAll projects what it loads, and so what it stores; the base's own is projected here.
    if (this.#findAll) return (await this.#findAll()) as Projection<T, O>[];
    return this.#project(await this.#base.findAll()) as Projection<T, O>[];
  }

  async save(input: NewEntity<T>): Promise<Projection<T, O>> {
    const created = await this.#writes.save(input);
    await this.#invalidate(this.#strategy.affectedKeys(null, created));
    return this.#project(created) as Projection<T, O>;
  }

  /** @throws {InvalidIdError} when `id` is not an id of the entity's type */
  async update(id: IdOf<T>, changes: EntityChanges<T>): Promise<Projection<T, O>> {
    return (await this.updateReturningBeforeImage(id, changes)).after;
  }

  /**
   * Like {@link update}, returning the base's before-image too (a cached repository is a base for another).
   * @throws {InvalidIdError} when `id` is not an id of the entity's type
   */
  async updateReturningBeforeImage(id: IdOf<T>, changes: EntityChanges<T>): Promise<EntityChange<Projection<T, O>>> {
    const change = await this.#writes.update(this.#checked(id), changes);
    // A captured write's receipt lets change capture's consumer skip the second UNLINK (`write-receipt.ts`).
    await this.#invalidate(this.#strategy.affectedKeys(change.before, change.after), change.receipt);
    return projectChange(this.#project, change) as EntityChange<Projection<T, O>>;
  }

  /** @throws {InvalidIdError} when `id` is not an id of the entity's type */
  async delete(id: IdOf<T>): Promise<Projection<T, O> | null> {
    const valid = this.#checked(id);
    const deleted = await this.#writes.delete(valid);
    await this.#invalidate(deleted ? this.#strategy.affectedKeys(deleted, null) : [this.#strategy.entityKey(valid)]);
    return this.#project(deleted) as Projection<T, O> | null;
  }

  async invalidateCache(id?: IdOf<T>): Promise<void> {
    if (id !== undefined) {
      const valid = this.#checked(id);
      const key = this.#strategy.entityKey(valid);
      // The state the cache holds for the entity is the one the lists were filled with: read it before the database.
      const cached = await this.#cachedEntity(key, valid);
      const current = await this.#base.findById(valid);
      await this.#invalidate([key, ...this.#strategy.affectedKeys(cached, current)]);
      return;
    }
    for (const namespace of this.#strategy.namespaces)
      this.#stats.invalidations += await this.#cache.clearNamespace(namespace);
  }

  getCacheStats(): CacheStatsSnapshot {
    return this.#stats.snapshot();
  }

  readonly #affected = (before: T | null, after: T | null): string[] => this.#strategy.affectedKeys(before, after);
  /** `id` when it is an id of the strategy's type. @throws {InvalidIdError} otherwise */
  #checked(id: unknown): IdOf<T> {
    return checkId(this.#ids, this.#strategy.entityType, id);
  }
  /**
   * The entity key of `id`, remembered for the last few thousand ids (by the id's text, the same for the same id):
   * building a key (encoding its components) costs more than a near-cache hit's lookup and copy together.
   */
  readonly #keyOf = (id: IdOf<T>): string => {
    const text = this.#ids.text(id);
    let key = this.#keys.get(text);
    if (key === undefined) {
      if (this.#keys.size >= KEY_MEMO_SIZE) this.#keys.clear();
      key = this.#strategy.entityKey(id);
      this.#keys.set(text, key);
    }
    return key;
  };
  readonly #keys = new Map<string, string>();
  /** Seconds an entity (or its absence) stays cached: created once, not per read. */
  readonly #entityTtl = (entity: T | null): number =>
    entity === null ? this.#strategy.negativeTtlSeconds : this.#strategy.entityTtlSeconds;

  /** The entity cached at `key`, or null (none, a lease, a negative entry, an entry that does not decode). */
  async #cachedEntity(key: string, id: IdOf<T>): Promise<T | null> {
    const read = await this.#cache.read(key);
    if (read.kind !== 'value') return null;
    const value = decodeEntry(key, read.raw, this.#strategy.serializer, { kind: 'entity', id, entity: this.#check });
    return value === REJECTED ? null : (value as T | null);
  }

  /** A cached read, through the watch when one is on. */
  #read<V>(method: string, key: string, shape: EntryShape, ttl: (value: V) => number, load: () => Promise<V>) {
    return readThrough({ reader: this.#reader, watch: this.#watch }, method, key, shape, ttl, load);
  }

  #invalidate(keys: string[], receipt?: WriteReceipt): Promise<boolean> {
    return this.#cache.invalidate(keys, this.#stats, receipt);
  }
}
