import { bigIntId, compositeId, intId } from '../../../src/repository/id-codec';
import {
  CachedRepository,
  defineCacheStrategy,
  defineKeySchema,
  type CacheStrategy,
  type Repository,
} from 'cachedrepo';
import { InvalidIdError } from '../../../src/errors';
import { runStrategyConformance } from 'cachedrepo/testing';
import { encodeEntry } from '../../../src/protocol/entry-codec';
import { put, useRedisCache } from '../../support/cache';
import { KeyedMemoryRepository } from '../../support/keyed-memory';

// Entities whose ids are not strings, cached over a plain in-memory repository: an Int id (with a list query keyed by
// an Int), a BigInt id beyond 2^53, and a composite id. Every read path (findById, findByIds, a list query, negative
// caching, the check that an entry belongs to its key) and invalidation on write, against a real redis-server.

interface Post {
  readonly id: number;
  title: string;
  authorId: number;
  createdAt: Date;
}
interface PostRepository extends Repository<Post> {
  findByAuthor(authorId: number): Promise<Post[]>;
}
class MemoryPosts extends KeyedMemoryRepository<Post> implements PostRepository {
  async findByAuthor(authorId: number): Promise<Post[]> {
    this.count('findByAuthor');
    return [...this.rows.values()].filter((post) => post.authorId === authorId).map((post) => this.copy(post));
  }
}
const postKeys = defineKeySchema({ byId: 'post:{id}', byAuthor: 'post:author:{authorId}', all: 'post:all' });
const postStrategy = defineCacheStrategy<Post, PostRepository>({
  entityType: 'post',
  namespaces: [postKeys.$namespace],
  ttlSeconds: 60,
  id: intId(),
  entityKey: (id) => postKeys.byId({ id }),
  queries: {
    findAll: { key: () => postKeys.all() },
    findByAuthor: { key: (authorId) => postKeys.byAuthor({ authorId }) },
  },
  keysOf: (post) => [postKeys.byId({ id: post.id }), postKeys.byAuthor({ authorId: post.authorId })],
  alwaysAffected: [postKeys.all()],
});

interface Ledger {
  readonly id: bigint;
  label: string;
  balance: bigint;
}
const ledgerKeys = defineKeySchema({ byId: 'ledger:{id}', all: 'ledger:all' });
const ledgerStrategy = defineCacheStrategy<Ledger>({
  entityType: 'ledger',
  namespaces: [ledgerKeys.$namespace],
  ttlSeconds: 60,
  id: bigIntId(),
  entityKey: (id) => ledgerKeys.byId({ id }),
  queries: { findAll: { key: () => ledgerKeys.all() } },
  keysOf: (ledger) => [ledgerKeys.byId({ id: ledger.id })],
  alwaysAffected: [ledgerKeys.all()],
});

interface MembershipId {
  userId: number;
  articleId: number;
}
interface Membership {
  readonly id: MembershipId;
  role: string;
}
const membershipKeys = defineKeySchema({ byId: 'membership:{userId}:{articleId}', all: 'membership:all' });
const membershipStrategy = defineCacheStrategy<Membership>({
  entityType: 'membership',
  namespaces: [membershipKeys.$namespace],
  ttlSeconds: 60,
  id: compositeId({ userId: 'int', articleId: 'int' }),
  entityKey: (id) => membershipKeys.byId(id),
  queries: { findAll: { key: () => membershipKeys.all() } },
  keysOf: (membership) => [membershipKeys.byId(membership.id)],
  alwaysAffected: [membershipKeys.all()],
});

const created = new Date('2026-03-04T05:06:07.089Z');
const posts = [
  { id: 1, title: 'Hello', authorId: 10, createdAt: created },
  { id: 10, title: 'World', authorId: 11, createdAt: created },
] as const;
const ledgers = [
  { id: 2n ** 53n + 1n, label: 'big', balance: 10n ** 20n },
  { id: 2n ** 53n, label: 'next to it', balance: -1n },
] as const;
const memberships = [
  { id: { userId: 1, articleId: 2 }, role: 'editor' },
  { id: { userId: 12, articleId: 1 }, role: 'reader' },
] as const;

runStrategyConformance(
  { describe, it },
  {
    strategy: postStrategy,
    samples: [...posts],
    holding: {
      findAll: () => [],
      findByAuthor: (post) => [post.authorId],
    },
  },
);
runStrategyConformance(
  { describe, it },
  {
    strategy: ledgerStrategy,
    samples: [...ledgers],
    holding: {
      findAll: () => [],
    },
  },
);
runStrategyConformance(
  { describe, it },
  {
    strategy: membershipStrategy,
    samples: [...memberships],
    holding: {
      findAll: () => [],
    },
  },
);

/** One id type under test: its strategy, two samples, their keys, a change, and an id of the wrong type. */
interface Scenario<T extends { id: unknown }> {
  name: string;
  strategy: CacheStrategy<never>;
  base(): KeyedMemoryRepository<never>;
  samples: readonly [T, T];
  keys: readonly [string, string];
  change: Partial<T>;
  /** A copy of the first sample's id that is another object when the id is one. */
  copyOfFirstId: unknown;
  missingId: unknown;
  wrongId: unknown;
}

const scenarios = [
  {
    name: 'Int',
    strategy: postStrategy,
    base: () => new MemoryPosts(intId()),
    samples: posts,
    keys: ['cache:post:1', 'cache:post:10'],
    change: { title: 'Hello again', authorId: 11 },
    copyOfFirstId: 1,
    missingId: 2,
    wrongId: '1',
  },
  {
    name: 'BigInt',
    strategy: ledgerStrategy,
    base: () => new KeyedMemoryRepository<Ledger>(bigIntId()),
    samples: ledgers,
    keys: ['cache:ledger:9007199254740993', 'cache:ledger:9007199254740992'],
    change: { balance: 3n },
    copyOfFirstId: 2n ** 53n + 1n,
    missingId: 7n,
    wrongId: 2 ** 53,
  },
  {
    name: 'composite',
    strategy: membershipStrategy,
    base: () => new KeyedMemoryRepository<Membership>(compositeId({ userId: 'int', articleId: 'int' })),
    samples: memberships,
    keys: ['cache:membership:1:2', 'cache:membership:12:1'],
    change: { role: 'owner' },
    copyOfFirstId: { articleId: 2, userId: 1 },
    missingId: { userId: 1, articleId: 21 },
    wrongId: { userId: 1, articleId: 2, extra: true },
  },
] as unknown as Scenario<{ id: unknown }>[];

type Loose = Repository<{ id: never }> & { getCacheStats(): { hits: number; misses: number; corruptEntries: number } };

describe.each(scenarios)('a cached repository with $name ids', (scenario) => {
  const fixture = useRedisCache();
  const setup = () => {
    const base = scenario.base();
    const repository = CachedRepository.wrap(base, scenario.strategy, fixture.cache) as unknown as Loose;
    return { base, repository };
  };
  const [first, second] = scenario.samples;
  const id = (value: unknown) => value as never;

  it('misses, then hits, under the key of the id, with the id kept as its type', async () => {
    const { base, repository } = setup();
    for (const sample of scenario.samples) await repository.save(sample as never);
    expect(await repository.findById(id(first.id))).toStrictEqual(first);
    expect(await repository.findById(id(scenario.copyOfFirstId))).toStrictEqual(first);
    expect(base.calls.findById).toBe(1);
    expect(await fixture.redis.exists(scenario.keys[0])).toBe(1);
    expect(repository.getCacheStats()).toMatchObject({ hits: 1, misses: 1, corruptEntries: 0 });
  });

  it('caches list queries of entities with such ids (their hits are not taken for corrupt entries)', async () => {
    const { base, repository } = setup();
    for (const sample of scenario.samples) await repository.save(sample as never);
    expect(await repository.findAll()).toStrictEqual([first, second]);
    expect(await repository.findAll()).toStrictEqual([first, second]);
    expect(base.calls.findAll).toBe(1);
    expect(repository.getCacheStats()).toMatchObject({ hits: 1, corruptEntries: 0 });
  });

  it('invalidates the entity and the list on update and delete, and caches the absence', async () => {
    const { base, repository } = setup();
    for (const sample of scenario.samples) await repository.save(sample as never);
    await repository.findById(id(first.id));
    await repository.findAll();
    const changed = { ...first, ...scenario.change };
    expect(await repository.update(id(scenario.copyOfFirstId), scenario.change as never)).toStrictEqual(changed);
    expect(await fixture.redis.exists(scenario.keys[0])).toBe(0);
    expect(await repository.findById(id(first.id))).toStrictEqual(changed);
    expect(await repository.findAll()).toStrictEqual([changed, second]);

    expect(await repository.delete(id(first.id))).toStrictEqual(changed);
    expect(await repository.findById(id(first.id))).toBeNull();
    expect(await repository.findById(id(scenario.copyOfFirstId))).toBeNull();
    expect(base.calls.findById).toBe(3);
    expect(await repository.findAll()).toStrictEqual([second]);
  });

  it('findByIds keeps the order, leaves out repeats (equal ids, other objects too) and absent ids', async () => {
    const { base, repository } = setup();
    for (const sample of scenario.samples) await repository.save(sample as never);
    await repository.findById(id(second.id));
    const ids = [second.id, scenario.missingId, first.id, scenario.copyOfFirstId, second.id].map(id);
    expect(await repository.findByIds(ids)).toStrictEqual([second, first]);
    expect(base.calls.findByIds).toBe(1);
    expect(await repository.findByIds(ids)).toStrictEqual([second, first]);
    expect(base.calls.findByIds).toBe(1);
    expect(repository.getCacheStats()).toMatchObject({ corruptEntries: 0 });
  });

  it('refuses an id of another type with InvalidIdError, before Redis or the repository is asked', async () => {
    const { base, repository } = setup();
    for (const call of [
      () => repository.findById(id(scenario.wrongId)),
      () => repository.findByIds([id(first.id), id(scenario.wrongId)]),
      () => repository.update(id(scenario.wrongId), scenario.change as never),
      () => repository.delete(id(scenario.wrongId)),
    ]) {
      await expect(call()).rejects.toThrow(InvalidIdError);
      await expect(call()).rejects.toMatchObject({ code: 'E_INVALID_ID' });
    }
    // No read counted (a GET counts a hit or a miss), no lease or entry placed, the repository never called.
    expect(repository.getCacheStats()).toMatchObject({ hits: 0, misses: 0 });
    expect(await fixture.redis.dbsize()).toBe(0);
    expect(base.calls).toEqual({});
  });

  it("takes an entry holding another entity's id for corrupt: counted, replaced, not served", async () => {
    const { repository } = setup();
    for (const sample of scenario.samples) await repository.save(sample as never);
    const wrong = encodeEntry(scenario.keys[0].slice('cache:'.length), second, scenario.strategy.serializer);
    expect(await put(fixture.cache, scenario.keys[0].slice('cache:'.length), wrong, 60)).toBe(true);
    expect(await repository.findById(id(first.id))).toStrictEqual(first);
    expect(repository.getCacheStats()).toMatchObject({ corruptEntries: 1 });
  });
});
