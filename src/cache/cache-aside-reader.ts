import type { Entity } from '../domain/entity';
import type { CacheRead, CacheService, StoreOutcome } from './cache-service';
import type { EntityCacheStats } from './cache-stats';
import type { Serializer } from './serializer';

const UNDECODABLE: unique symbol = Symbol('undecodable');

interface Loaded<V> {
  value: V;
  outcome: StoreOutcome | 'not-stored';
}

/**
 * Cache-aside reads for one entity type, with the consistency rules of REDIS_CACHE.md:
 * a miss loads from the database and stores the result only if no write invalidated the key
 * since the miss; concurrent misses of one key in this process share one load.
 */
export class CacheAsideReader {
  constructor(
    private readonly cache: CacheService,
    private readonly serializer: Serializer,
    private readonly stats: EntityCacheStats,
  ) {}

  /**
   * The cached value of `key`, or `load()`'s result, stored for `ttlFor(value)` seconds
   * (0: not stored). A cached value that `accepts` rejects (a foreign entry of the wrong
   * shape) counts as corrupt and is replaced like an undecodable one.
   */
  async read<V>(key: string, ttlFor: (value: V) => number, load: () => Promise<V>, accepts?: (value: unknown) => boolean): Promise<V> {
    const read = await this.cache.read(key, this.stats);
    if (read.kind === 'hit') {
      const value = this.decode(read.raw, accepts);
      if (value !== UNDECODABLE) {
        this.stats.hits += 1;
        return value as V;
      }
    }
    // Undecodable entries are compared against as seen, so the load replaces them.
    const seen = seenBy(read);
    this.stats.misses += 1;
    const flight = await this.cache.flights.run(key, () => this.loadAndStore(key, seen, ttlFor, load));
    // A joined load is only as fresh as its start. If a write overtook it, load again.
    if (flight.joined && (flight.value.outcome === 'changed' || flight.value.outcome === 'not-stored' || flight.value.outcome === 'oversized')) {
      return (await this.loadAndStore(key, seen, ttlFor, load)).value;
    }
    return flight.value.value;
  }

  /**
   * Entities for `ids` in order (absent and repeated ids left out): one MGET, then one `loadMany` call for
   * the misses only, whose results (and absences, as negative entries) are stored.
   */
  async readMany<E extends Entity>(
    ids: readonly string[],
    keyOf: (id: string) => string,
    ttlFor: (value: E | null) => number,
    loadMany: (ids: string[]) => Promise<E[]>,
  ): Promise<E[]> {
    const unique = [...new Set(ids)];
    const keys = unique.map(keyOf);
    const reads = await this.cache.readMany(keys, this.stats);
    const found = new Map<string, E | null>();
    const misses: { id: string; key: string; seen: string | null }[] = [];
    reads.forEach((read, index) => {
      const id = unique[index] as string;
      const key = keys[index] as string;
      const value = read.kind === 'hit' ? this.decode(read.raw, (candidate) => isEntityOrNull(candidate, id)) : UNDECODABLE;
      if (value !== UNDECODABLE) {
        this.stats.hits += 1;
        found.set(id, value as E | null);
        return;
      }
      this.stats.misses += 1;
      misses.push({ id, key, seen: read.kind === 'hit' ? read.raw : seenBy(read) });
    });
    if (misses.length > 0) {
      const loaded = new Map((await loadMany(misses.map((miss) => miss.id))).map((entity) => [entity.id, entity]));
      await Promise.all(
        misses.map(({ id, key, seen }) => {
          const value = loaded.get(id) ?? null;
          found.set(id, value);
          return this.store(key, seen, value, ttlFor(value));
        }),
      );
    }
    // Each id once, at its first position, as the base repositories answer.
    return unique.flatMap((id) => {
      const value = found.get(id);
      return value ? [value] : [];
    });
  }

  private async loadAndStore<V>(key: string, seen: string | null, ttlFor: (value: V) => number, load: () => Promise<V>): Promise<Loaded<V>> {
    const value = await load();
    return { value, outcome: await this.store(key, seen, value, ttlFor(value)) };
  }

  /** `seen` null: the read itself failed, so Redis is not asked again (no second timeout). */
  private async store(key: string, seen: string | null, value: unknown, ttlSeconds: number): Promise<StoreOutcome | 'not-stored'> {
    if (seen === null) return 'error';
    if (ttlSeconds <= 0) return 'not-stored';
    const outcome = await this.cache.storeIfUnchanged(key, seen, this.serializer.serialize(value), ttlSeconds, this.stats);
    if (outcome === 'oversized') this.stats.oversized += 1;
    return outcome;
  }

  private decode(raw: string, accepts?: (value: unknown) => boolean): unknown {
    try {
      const value = this.serializer.deserialize(raw);
      if (!accepts || accepts(value)) return value;
    } catch {
      // fall through: counted below
    }
    this.stats.corruptEntries += 1;
    return UNDECODABLE;
  }
}

/** What a read saw in the key, for the conditional store; null when the read failed. */
function seenBy(read: CacheRead): string | null {
  if (read.kind === 'miss') return read.seen;
  return read.kind === 'hit' ? read.raw : null;
}

/** What an entity key may hold: the entity with that id, or null (negative caching). */
export function isEntityOrNull(value: unknown, id: string): boolean {
  return value === null || (typeof value === 'object' && (value as { id?: unknown }).id === id);
}
