import 'reflect-metadata';
import { inspect } from 'node:util';
import { container as rootContainer } from 'tsyringe';
import { CachedRepository, defineCacheStrategy, defineKeySchema, isCached, type Repository } from 'cachedrepo';
import { intId } from '../../../src/repository/id-codec';
import { StrategyError } from '../../../src/errors';
import { type ProjectedRepository } from '../../../src/repository/projection';
import { registerRepositories, repositoryRegistration } from 'cachedrepo/tsyringe';
import { encodeEntry } from '../../../src/protocol/entry-codec';
import { put, useRedisCache } from '../../support/cache';
import { KeyedMemoryRepository } from '../../support/keyed-memory';

// Projection (issue 18, item 5): a strategy keeps fields out of the cache. A user's password hash must be in the
// entity to be written through `save`, yet it must never reach Redis or the near cache, and a cached read returns no
// `passwordHash` (the plain repository still does). After writes and reads of every kind, every key in Redis and every
// near-cache entry is scanned for the secrets.

interface User {
  readonly id: number;
  email: string;
  passwordHash: string;
  joinedAt: Date;
}
interface UserRepository extends Repository<User> {
  findByEmail(email: string): Promise<User | null>;
  /** Not cached by the strategy: passed through, and projected too. */
  findNewest(): Promise<User | null>;
}
class MemoryUsers extends KeyedMemoryRepository<User> implements UserRepository {
  constructor() {
    let next = 0;
    super(intId(), () => (next += 1));
  }
  async findByEmail(email: string): Promise<User | null> {
    this.count('findByEmail');
    const user = [...this.rows.values()].find((row) => row.email === email);
    return user ? this.copy(user) : null;
  }
  async findNewest(): Promise<User | null> {
    const rows = [...this.rows.values()];
    return rows.length > 0 ? this.copy(rows[rows.length - 1] as User) : null;
  }
}

const userKeys = defineKeySchema({ byId: 'user:{id}', byEmail: 'user:email:{email}', all: 'user:all' });
const userStrategy = defineCacheStrategy<User, UserRepository, 'passwordHash'>({
  entityType: 'user',
  namespaces: [userKeys.$namespace],
  ttlSeconds: 60,
  id: intId(),
  omit: { passwordHash: true },
  entityKey: (id) => userKeys.byId({ id }),
  queries: {
    findAll: { key: () => userKeys.all() },
    findByEmail: { key: (email) => userKeys.byEmail({ email }), shape: 'one' },
  },
  keysOf: (user) => [userKeys.byId({ id: user.id }), userKeys.byEmail({ email: user.email })],
  alwaysAffected: [userKeys.all()],
  nearCache: { maxEntries: 100 },
});

/** Distinct secrets, none a substring of another value the test stores. */
const SECRETS = ['$argon2id$v=19$S3CR3T-ONE', '$argon2id$v=19$S3CR3T-TWO', '$argon2id$v=19$S3CR3T-THREE'];
const joinedAt = new Date('2026-05-06T07:08:09.010Z');

describe('a strategy that keeps a field out of the cache (projection)', () => {
  const fixture = useRedisCache({ cacheOptions: { nearCache: true } });

  /** Every key and value in Redis, as text (KEYS: a test's small keyspace, on every master of a cluster too). */
  async function everythingInRedis(): Promise<string> {
    const { redis } = fixture;
    const parts: string[] = [];
    for (const key of await redis.keys('*')) {
      const type = await redis.type(key);
      const value =
        type === 'string'
          ? await redis.get(key)
          : type === 'hash'
            ? await redis.hgetall(key)
            : type === 'list'
              ? await redis.lrange(key, 0, -1)
              : type === 'set'
                ? await redis.smembers(key)
                : await redis.zrange(key, 0, -1);
      parts.push(key, inspect(value, { depth: null, maxStringLength: Infinity }));
    }
    return parts.join('\n');
  }

  /** Every entry of the user near cache, as text (its entries are private: read them as a test may). */
  function everythingInTheNearCache(): { count: number; text: string } {
    const near = fixture.cache.nearCacheFor('user', { maxEntries: 100 }, userStrategy.serializer);
    const entries = (near as unknown as { entries?: Map<string, unknown> } | null)?.entries;
    if (!entries || typeof entries.entries !== 'function')
      throw new Error('the near cache keeps no `entries` map any more: update this test to read its entries');
    const dump = [...entries.entries()];
    return { count: dump.length, text: inspect(dump, { depth: null, maxStringLength: Infinity }) };
  }

  /** Runs `read` until the near cache holds an entry with `text` in it (at most 10 s). */
  async function untilNearCacheHolds(read: () => Promise<void>, text: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!everythingInTheNearCache().text.includes(text)) {
      if (Date.now() > deadline) throw new Error(`the near cache never held ${text}`);
      await read();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('leaves no trace of the omitted field in Redis or the near cache after writes and reads', async () => {
    const base = new MemoryUsers();
    const users = CachedRepository.wrap(base, userStrategy, fixture.cache);
    const ann = await users.save({ email: 'ann@example.com', passwordHash: SECRETS[0] as string, joinedAt });
    const bob = await users.save({ email: 'bob@example.com', passwordHash: SECRETS[1] as string, joinedAt });
    expect(ann).toStrictEqual({ id: 1, email: 'ann@example.com', joinedAt });
    for (let round = 0; round < 3; round += 1) {
      expect(await users.findById(1)).toStrictEqual(ann);
      expect(await users.findByIds([2, 1, 3])).toStrictEqual([bob, ann]);
      expect(await users.findAll()).toStrictEqual([ann, bob]);
      expect(await users.findByEmail('bob@example.com')).toStrictEqual(bob);
      expect(await users.findNewest()).toStrictEqual(bob);
      expect(await users.findById(3)).toBeNull();
    }
    // The near cache serves once client tracking is up (later on a cluster): read until it holds entries.
    await untilNearCacheHolds(async () => void (await users.findByIds([1, 2])), 'bob@example.com');
    const nearAfterReads = everythingInTheNearCache();
    // A new secret written through the cached repository, and a user moved to another email.
    const changed = await users.update(1, { passwordHash: SECRETS[2] as string, email: 'ann@example.org' });
    expect(changed).toStrictEqual({ ...ann, email: 'ann@example.org' });
    expect(await users.findByEmail('ann@example.org')).toStrictEqual(changed);
    expect(await users.findById(1)).toStrictEqual(changed);
    expect(await users.delete(2)).toStrictEqual(bob);
    for (let round = 0; round < 3; round += 1) {
      expect(await users.findAll()).toStrictEqual([changed]);
      expect(await users.findById(1)).toStrictEqual(changed);
    }
    await untilNearCacheHolds(async () => void (await users.findById(1)), 'ann@example.org');

    // The plain repository still holds and returns the secret: it is only kept out of the cache.
    expect((await base.findById(1))?.passwordHash).toBe(SECRETS[2]);
    const stats = users.getCacheStats();
    expect(stats.hits).toBeGreaterThan(10);
    expect(stats.corruptEntries).toBe(0);

    const redis = await everythingInRedis();
    expect(redis).toContain('ann@example.org'); // the scan sees the entries
    for (const secret of [...SECRETS, 'passwordHash']) expect(redis).not.toContain(secret);
    for (const [near, email] of [
      [nearAfterReads, 'bob@example.com'],
      [everythingInTheNearCache(), 'ann@example.org'],
    ] as const) {
      expect(near.text).toContain(email); // the dump sees the entries
      for (const secret of [...SECRETS, 'passwordHash']) expect(near.text).not.toContain(secret);
    }
  });

  it('replaces, never serves, an entry holding the field (written by a release without the projection)', async () => {
    const base = new MemoryUsers();
    const users = CachedRepository.wrap(base, userStrategy, fixture.cache);
    const leaked = { id: 1, email: 'ann@example.com', passwordHash: SECRETS[0] as string, joinedAt };
    await base.save(leaked);
    const key = userKeys.byId({ id: 1 });
    expect(await put(fixture.cache, key, encodeEntry(key, leaked, userStrategy.serializer), 60)).toBe(true);
    const read = await users.findById(1);
    expect(read).toStrictEqual({ id: 1, email: 'ann@example.com', joinedAt });
    expect(users.getCacheStats().corruptEntries).toBe(1);
    expect(await fixture.redis.get(`cache:${key}`)).not.toContain(SECRETS[0]);
  });

  it('serves the token of a registration without the field whether the entity is cached or not', async () => {
    for (const disabled of [new Set<string>(), new Set(['user'])]) {
      const base = new MemoryUsers();
      await base.save({ email: 'ann@example.com', passwordHash: SECRETS[0] as string, joinedAt });
      const container = rootContainer.createChildContainer();
      const token = Symbol('UserRepository');
      registerRepositories(
        container,
        fixture.cache,
        [repositoryRegistration({ entityType: 'user', token, plain: base, strategy: userStrategy })],
        disabled,
      );
      const users = container.resolve<ProjectedRepository<UserRepository, 'passwordHash'>>(token);
      expect(isCached(users)).toBe(disabled.size === 0);
      expect(await users.findById(1)).toStrictEqual({ id: 1, email: 'ann@example.com', joinedAt });
      expect(await users.findByEmail('ann@example.com')).not.toHaveProperty('passwordHash');
      expect(await users.update(1, { passwordHash: 'x' })).not.toHaveProperty('passwordHash');
      expect((await base.findById(1))?.passwordHash).toBe('x');
    }
  });

  it('refuses an omit that names id or maps a field to anything but true', () => {
    const definition = { ...userStrategyDefinition() };
    expect(() => defineCacheStrategy({ ...definition, omit: { id: true } } as never)).toThrow(StrategyError);
    expect(() => defineCacheStrategy({ ...definition, omit: { passwordHash: false } } as never)).toThrow(
      /map the fields kept out of the cache to true/,
    );
    expect(() => defineCacheStrategy({ ...definition, omit: {} } as never)).toThrow(StrategyError);
  });
});

function userStrategyDefinition() {
  return {
    entityType: 'user',
    namespaces: ['user'],
    ttlSeconds: 60,
    id: intId(),
    entityKey: (id: number) => userKeys.byId({ id }),
    keysOf: (user: User) => [userKeys.byId({ id: user.id })],
  };
}
