import { defineCacheStrategy, type CacheStrategy } from 'cachedrepo';
import type { Hero, Language } from '../domain';
import type { HeroRepository } from '../repositories';
import { READ_MOSTLY_NEAR_CACHE, type EntityTtlOptions } from './entity-ttl-options';
import { heroKeys } from './key-schemas';
import { keyState, textColumn } from './row-images';

/** Default TTL of heroes, in seconds (the Hero/Child/Story implementation summary: heroes change rarely). */
export const HERO_TTL_SECONDS = 3600;

/**
 * Hero caching (near cache on: heroes are read-mostly): `hero:{id}`, `hero:lang:{language}`, `hero:name:{name}`,
 * `hero:all`. A write clears the hero, `hero:all`, and the language and name lists of both its old and its new state.
 */
export function heroCacheStrategy(options: EntityTtlOptions = {}): CacheStrategy<Hero, HeroRepository> {
  return defineCacheStrategy<Hero, HeroRepository>({
    entityType: 'hero',
    namespaces: [heroKeys.$namespace],
    ttlSeconds: options.ttlSeconds ?? HERO_TTL_SECONDS,
    negativeTtlSeconds: options.negativeTtlSeconds,
    nearCache: options.nearCache === undefined ? READ_MOSTLY_NEAR_CACHE : (options.nearCache ?? undefined),
    entityKey: (id) => heroKeys.byId({ id }),
    queries: {
      findAll: { key: () => heroKeys.all() },
      findByLanguage: { key: (language) => heroKeys.byLanguage({ language }) },
      findByName: { key: (name) => heroKeys.byName({ name }) },
    },
    keysOf: (hero) => [
      heroKeys.byId({ id: hero.id }),
      heroKeys.byLanguage({ language: hero.language }),
      heroKeys.byName({ name: hero.name }),
    ],
    alwaysAffected: [heroKeys.all()],
    capture: [
      {
        table: 'Hero',
        columns: ['id', 'language', 'name'],
        toEntity: (row) =>
          keyState<Hero>({
            id: textColumn(row, 'id'),
            language: textColumn(row, 'language') as Language,
            name: textColumn(row, 'name'),
          }),
      },
    ],
  });
}
