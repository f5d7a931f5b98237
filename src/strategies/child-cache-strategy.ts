import { CacheStrategy, type EntityCacheTtlOptions, type QueryPolicies } from '../cache/cache-strategy';
import { createSuperjsonSerializer } from '../cache/serializer';
import type { Child } from '../domain';
import type { ChildRepository } from '../repositories';
import { childKeys } from './key-schemas';

/** Child caching: `child:{id}`, `child:name:{name}`, `child:exact:{name}:{age}:{gender}`, `child:all`. */
export class ChildCacheStrategy extends CacheStrategy<Child, ChildRepository> {
  /** Default TTL in seconds (source document 001). */
  static readonly DEFAULT_TTL_SECONDS = 1800;

  readonly entityType = 'child';
  readonly namespaces = [childKeys.$namespace];
  readonly serializer = createSuperjsonSerializer();
  readonly queries: QueryPolicies<ChildRepository, Child>;

  /** @param options TTLs in seconds; `ttlSeconds` @default 1800 */
  constructor(options: EntityCacheTtlOptions = {}) {
    const ttlSeconds = options.ttlSeconds ?? ChildCacheStrategy.DEFAULT_TTL_SECONDS;
    super({ entityTtlSeconds: ttlSeconds, negativeTtlSeconds: options.negativeTtlSeconds });
    this.queries = {
      findAll: { key: () => childKeys.all(), ttlSeconds },
      findByName: { key: (name) => childKeys.byName({ name }), ttlSeconds },
      findExact: { key: (name, age, gender) => childKeys.exact({ name, age, gender }), ttlSeconds, shape: 'one' },
    };
  }

  entityKey(id: string): string {
    return childKeys.byId({ id });
  }

  /** The child, `child:all`, and the name and exact-match keys of both states (a rename or birthday moves it). */
  affectedKeys(before: Child | null, after: Child | null): string[] {
    return this.keysOfStates(
      before,
      after,
      (child) => [
        childKeys.byId({ id: child.id }),
        childKeys.byName({ name: child.name }),
        childKeys.exact({ name: child.name, age: child.age, gender: child.gender }),
      ],
      [childKeys.all()],
    );
  }
}
