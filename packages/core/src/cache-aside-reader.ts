import type { CacheService, StoreOutcome } from './cache-service';
import type { EntityCacheStats } from './cache-stats';
import { decodeEntry, encodeEntry, REJECTED, type EntryShape } from './entry-codec';
import type { Serializer } from './serializer';

/** What one load did: its value and whether it was stored under its lease. */
interface Loaded<V> {
  value: V;
  outcome: StoreOutcome | 'no-lease' | 'not-stored';
}

/** A cache miss: the key, and the corrupt value found there, if any, which the lease may replace. */
interface Miss {
  key: string;
  rejected: string | undefined;
}

/**
 * Cache-aside reads for one entity type, with the consistency rules of REDIS_CACHE.md: a hit
 * is one GET; a miss places a lease, loads, and stores only while the lease is still in the
 * key; concurrent misses of one key in this process share one load.
 */
export class CacheAsideReader {
  constructor(
    private readonly cache: CacheService,
    private readonly serializer: Serializer,
    private readonly stats: EntityCacheStats,
  ) {}

  /**
   * The cached value of `key`, or `load()`'s result, stored for `ttlFor(value)` seconds
   * (0: not stored). A cached value that is not a valid entry of `key` with `shape` is a
   * corrupt entry: counted, and replaced like a miss.
   */
  async read<V>(key: string, shape: EntryShape, ttlFor: (value: V) => number, load: () => Promise<V>): Promise<V> {
    const read = await this.cache.read(key, this.stats);
    let rejected: string | undefined;
    if (read.kind === 'value') {
      const value = decodeEntry(key, read.raw, this.serializer, shape);
      if (value !== REJECTED) {
        this.stats.hits += 1;
        return value as V;
      }
      this.stats.corruptEntries += 1;
      rejected = read.raw;
    } else if (read.kind === 'wrong-type') {
      this.stats.corruptEntries += 1;
    }
    this.stats.misses += 1;
    // Without Redis nothing can be stored, so nothing proves a shared load fresh: load alone.
    if (read.kind === 'unavailable') return load();
    const flight = await this.cache.flights.run(key, () => this.loadAndStore({ key, rejected }, ttlFor, load));
    // A joined load began before this read. Only its successful store under its lease proves
    // that no write completed in between (REDIS_CACHE.md, section 4); otherwise load again.
    if (flight.joined && flight.value.outcome !== 'stored') return load();
    return flight.value.value;
  }

  /**
   * Entities for `ids` in order (absent and repeated ids left out): one MGET, leases for the
   * misses (auto-pipelined), one `loadMany` call for them, and stores under the leases.
   */
  async readMany<E extends { id: string }>(ids: readonly string[], keyOf: (id: string) => string, ttlFor: (value: E | null) => number, loadMany: (ids: string[]) => Promise<E[]>): Promise<E[]> {
    const unique = [...new Set(ids)];
    const keys = unique.map(keyOf);
    const reads = await this.cache.readMany(keys, this.stats);
    const found = new Map<string, E | null>();
    const misses: (Miss & { id: string })[] = [];
    let unavailable = false;
    reads.forEach((read, index) => {
      const id = unique[index] as string;
      const key = keys[index] as string;
      const value = read.kind === 'value' ? decodeEntry(key, read.raw, this.serializer, { kind: 'entity', id }) : REJECTED;
      if (value !== REJECTED) {
        this.stats.hits += 1;
        found.set(id, value as E | null);
        return;
      }
      if (read.kind === 'value') this.stats.corruptEntries += 1;
      if (read.kind === 'unavailable') unavailable = true;
      this.stats.misses += 1;
      misses.push({ id, key, rejected: read.kind === 'value' ? read.raw : undefined });
    });
    if (misses.length > 0) {
      const tokens = unavailable ? misses.map(() => null) : await Promise.all(misses.map((miss) => this.cache.acquireLease(miss.key, miss.rejected, this.stats)));
      const loaded = new Map((await this.loadReleasing(misses, tokens, () => loadMany(misses.map((miss) => miss.id)))).map((entity) => [entity.id, entity]));
      await Promise.all(
        misses.map((miss, index) => {
          const value = loaded.get(miss.id) ?? null;
          found.set(miss.id, value);
          return this.store(miss.key, tokens[index] ?? null, value, ttlFor(value));
        }),
      );
    }
    // Each id once, at its first position, as the base repositories answer.
    return unique.flatMap((id) => {
      const value = found.get(id);
      return value ? [value] : [];
    });
  }

  private async loadAndStore<V>(miss: Miss, ttlFor: (value: V) => number, load: () => Promise<V>): Promise<Loaded<V>> {
    const token = await this.cache.acquireLease(miss.key, miss.rejected, this.stats);
    const value = await this.loadReleasing([miss], [token], load);
    return { value, outcome: await this.store(miss.key, token, value, ttlFor(value)) };
  }

  /** Runs a load; when it fails, gives its leases back so other readers need not wait for their TTL. */
  private async loadReleasing<V>(misses: readonly Miss[], tokens: readonly (string | null)[], load: () => Promise<V>): Promise<V> {
    try {
      return await load();
    } catch (error) {
      await Promise.all(misses.map((miss, index) => this.release(miss.key, tokens[index] ?? null)));
      throw error;
    }
  }

  private async store(key: string, token: string | null, value: unknown, ttlSeconds: number): Promise<Loaded<unknown>['outcome']> {
    if (token === null) return 'no-lease';
    if (ttlSeconds <= 0) {
      await this.release(key, token);
      return 'not-stored';
    }
    const outcome = await this.cache.storeLeased(key, token, encodeEntry(key, value, this.serializer), ttlSeconds, this.stats);
    if (outcome === 'oversized') {
      this.stats.oversized += 1;
      await this.release(key, token);
    }
    return outcome;
  }

  private release(key: string, token: string | null): Promise<void> {
    return token === null ? Promise.resolve() : this.cache.releaseLease(key, token, this.stats);
  }
}
