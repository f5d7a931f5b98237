import { CacheStrategy, type EntityCacheTtlOptions, type QueryPolicies } from '../cache/cache-strategy';
import { createSuperjsonSerializer } from '../cache/serializer';
import type { Hero } from '../domain';
import type { HeroRepository } from '../repositories';
import { heroKeys } from './key-schemas';

/** Hero caching: `hero:{id}`, `hero:lang:{language}`, `hero:name:{name}`, `hero:all`. */
export class HeroCacheStrategy extends CacheStrategy<Hero, HeroRepository> {
  /** Default TTL in seconds (source document 001: heroes change rarely). */
  static readonly DEFAULT_TTL_SECONDS = 3600;

  readonly entityType = 'hero';
  readonly namespaces = [heroKeys.$namespace];
  readonly serializer = createSuperjsonSerializer();
  readonly queries: QueryPolicies<HeroRepository, Hero>;

  /** @param options TTLs in seconds; `ttlSeconds` @default 3600 */
  constructor(options: EntityCacheTtlOptions = {}) {
    const ttlSeconds = options.ttlSeconds ?? HeroCacheStrategy.DEFAULT_TTL_SECONDS;
    super({ entityTtlSeconds: ttlSeconds, negativeTtlSeconds: options.negativeTtlSeconds });
    this.queries = {
      findAll: { key: () => heroKeys.all(), ttlSeconds },
      findByLanguage: { key: (language) => heroKeys.byLanguage({ language }), ttlSeconds },
      findByName: { key: (name) => heroKeys.byName({ name }), ttlSeconds },
    };
  }

  entityKey(id: string): string {
    return heroKeys.byId({ id });
  }

  /** The hero, `hero:all`, and the language and name lists of both the old and the new state. */
  affectedKeys(before: Hero | null, after: Hero | null): string[] {
    return this.keysOfStates(
      before,
      after,
      (hero) => [heroKeys.byId({ id: hero.id }), heroKeys.byLanguage({ language: hero.language }), heroKeys.byName({ name: hero.name })],
      [heroKeys.all()],
    );
  }
}
