import { defineCacheStrategy, defineKeySchema, type Repository } from 'cachedrepo';
import { intId } from 'cachedrepo/ids';
import { StrategyError } from '../../../src/errors';

// A query policy gives exactly one of key(...args) (one key per call) and collection(...args) (pages of a collection):
// the compiler refuses both or neither, and so does defineCacheStrategy for plain JavaScript (or a cast).

interface Post {
  readonly id: number;
  tag: string;
}
interface PostRepository extends Repository<Post> {
  findByTag(tag: string, page: { limit: number; offset: number }): Promise<Post[]>;
  findNewest(): Promise<Post | null>;
}
const postKeys = defineKeySchema({ byId: 'post:{id}', byTag: 'post:tag:{tag}', newest: 'post:newest' });
type Queries = Parameters<typeof defineCacheStrategy<Post, PostRepository>>[0]['queries'];

const strategyWith = (queries: Queries) =>
  defineCacheStrategy<Post, PostRepository>({
    entityType: 'post',
    namespaces: [postKeys.$namespace],
    ttlSeconds: 60,
    id: intId(),
    entityKey: (id) => postKeys.byId({ id }),
    queries,
    keysOf: (post) => [postKeys.byId({ id: post.id }), postKeys.byTag({ tag: post.tag })],
  });

describe('query policies: key or collection', () => {
  it('accepts a keyed query, a collection query, and a collection query with a variant and its own TTL', () => {
    const strategy = strategyWith({
      findNewest: { key: () => postKeys.newest(), shape: 'one' },
      findByTag: { collection: (tag) => postKeys.byTag({ tag }), variant: (_tag, page) => page, ttlSeconds: 5 },
    });
    expect(strategy.queries.findByTag?.ttlSeconds).toBe(5);
    expect(strategy.queries.findNewest?.ttlSeconds).toBe(60);
  });

  it('refuses both key and collection, neither, or a variant without a collection', () => {
    const byTag = (tag: string): string => postKeys.byTag({ tag });
    // @ts-expect-error: a policy gives key or collection, not both
    const both: Queries = { findByTag: { key: byTag, collection: byTag } };
    // @ts-expect-error: a policy without key nor collection
    const neither: Queries = { findByTag: { ttlSeconds: 5 } };
    // @ts-expect-error: variant comes with collection only
    const keyedVariant: Queries = { findByTag: { key: byTag, variant: () => 1 } };
    for (const queries of [both, neither, keyedVariant])
      expect(() => strategyWith(queries as Queries)).toThrow(StrategyError);
    expect(() => strategyWith(both as Queries)).toThrow(/post\.findByTag query policy must give exactly one of key/);
    expect(() => strategyWith(keyedVariant as Queries)).toThrow(/variant must be a function, given with collection/);
    const notAFunction = { findByTag: { collection: 'post:tag:x' } };
    expect(() => strategyWith(notAFunction as unknown as Queries)).toThrow(/exactly one of key/);
  });
});
