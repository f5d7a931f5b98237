import { defineCacheStrategy, type CacheStrategy } from 'cachedrepo';
import type { Child, Gender } from '../domain';
import type { ChildRepository } from '../repositories';
import { READ_MOSTLY_NEAR_CACHE, type EntityTtlOptions } from './entity-ttl-options';
import { childKeys } from './key-schemas';
import { integerColumn, keyState, textColumn } from './row-images';

/** Default TTL of children, in seconds (the Hero/Child/Story implementation summary, REDIS_CACHE.md section 2). */
export const CHILD_TTL_SECONDS = 1800;

/**
 * Child caching (near cache on by default): `child:{id}`, `child:name:{name}`, `child:exact:{name}:{age}:{gender}`,
 * `child:all`. A rename or a birthday moves a child between name and exact-match keys: both states are cleared.
 */
export function childCacheStrategy(options: EntityTtlOptions = {}): CacheStrategy<Child, ChildRepository> {
  return defineCacheStrategy<Child, ChildRepository>({
    entityType: 'child',
    namespaces: [childKeys.$namespace],
    ttlSeconds: options.ttlSeconds ?? CHILD_TTL_SECONDS,
    negativeTtlSeconds: options.negativeTtlSeconds,
    nearCache: options.nearCache === undefined ? READ_MOSTLY_NEAR_CACHE : (options.nearCache ?? undefined),
    entityKey: (id) => childKeys.byId({ id }),
    queries: {
      findAll: { key: () => childKeys.all() },
      findByName: { key: (name) => childKeys.byName({ name }) },
      findExact: { key: (name, age, gender) => childKeys.exact({ name, age, gender }), shape: 'one' },
    },
    keysOf: (child) => [
      childKeys.byId({ id: child.id }),
      childKeys.byName({ name: child.name }),
      childKeys.exact({ name: child.name, age: child.age, gender: child.gender }),
    ],
    alwaysAffected: [childKeys.all()],
    capture: [
      {
        table: 'Child',
        columns: ['id', 'name', 'age', 'gender'],
        toEntity: (row) =>
          keyState<Child>({
            id: textColumn(row, 'id'),
            name: textColumn(row, 'name'),
            age: integerColumn(row, 'age'),
            gender: textColumn(row, 'gender') as Gender,
          }),
      },
    ],
  });
}
