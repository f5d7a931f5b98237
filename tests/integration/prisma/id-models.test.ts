import { bigIntId, compositeId, intId, type IdCodec } from '../../../src/repository/id-codec';
import {
  CachedRepository,
  defineCacheStrategy,
  defineKeySchema,
  type CacheStrategy,
  type Repository,
} from 'cachedrepo';
import { InvalidIdError } from '../../../src/errors';
import { type AnyEntity } from '../../../src/repository/entity';
import {
  byCreation,
  PrismaRepository,
  type ModelDelegate,
  type OutboxModel,
  type PrismaClientLike,
  type RawSqlClient,
  type RowMapper,
} from 'cachedrepo/prisma';
import { useRedisCache } from '../../support/cache';
import { createIdModelsDatabase, type IdModelsDatabase } from './support/id-models';

// PrismaRepository over models whose ids are not strings (issue 18, item 2): an Int id, a BigInt id and a composite
// id, each served by the generic PrismaRepository (no repository class of its own) and cached by a strategy, against
// real SQLite and PostgreSQL (jest's sqlite and postgresql projects) and a real redis-server. The raw-SQL fast paths
// take the Int model; the BigInt and composite models take the Prisma path they fall back to, with the same results.

interface Post {
  readonly id: number;
  title: string;
  authorId: number;
  published: boolean;
  createdAt: Date;
  updatedAt: Date;
}
type PostRow = Post;
interface Ledger {
  readonly id: bigint;
  label: string;
  balance: number;
  createdAt: Date;
}
type LedgerRow = Ledger;
interface MembershipId {
  userId: number;
  articleId: number;
}
interface Membership {
  readonly id: MembershipId;
  role: string;
  createdAt: Date;
}
/** A composite id of an Int and a String, in a table that also has a (non-key) column named `id`. */
interface TranslationId {
  articleId: number;
  locale: string;
}
interface Translation {
  readonly id: TranslationId;
  code: string;
  text: string;
}
interface TranslationRow {
  id: string;
  articleId: number;
  locale: string;
  text: string;
}
const translationMapper: RowMapper<Translation, TranslationRow> = {
  toDomain: ({ id, articleId, locale, text }) => ({ id: { articleId, locale }, code: id, text }),
  toCreateData: ({ id, code, text }) => ({ ...id, id: code, text }),
  toUpdateData: ({ code, text }) => ({ id: code, text }),
};
interface MembershipRow {
  userId: number;
  articleId: number;
  role: string;
  createdAt: Date;
}

const copyMapper = <T extends AnyEntity>(): RowMapper<T, T> => ({
  toDomain: (row) => ({ ...row }),
  toCreateData: (input) => ({ ...input }),
  toUpdateData: (changes) => ({ ...changes }),
});
const membershipMapper: RowMapper<Membership, MembershipRow> = {
  toDomain: ({ userId, articleId, ...rest }) => ({ id: { userId, articleId }, ...rest }),
  toCreateData: ({ id, ...rest }) => ({ ...id, ...rest }),
  toUpdateData: (changes) => ({ ...changes }),
};

type Tx = OutboxModel &
  RawSqlClient &
  Record<'post' | 'ledger' | 'membership' | 'translation' | 'user', ModelDelegate<never, never>>;
const client = (db: IdModelsDatabase) => db.prisma as unknown as Tx & PrismaClientLike<Tx>;
const delegate =
  <Row, Id>(name: string) =>
  (tx: Tx) =>
    tx[name as 'post'] as unknown as ModelDelegate<Row, Id>;

const postKeys = defineKeySchema({ byId: 'post:{id}', all: 'post:all' });
const ledgerKeys = defineKeySchema({ byId: 'ledger:{id}', all: 'ledger:all' });
const membershipKeys = defineKeySchema({ byId: 'membership:{userId}:{articleId}', all: 'membership:all' });
const translationKeys = defineKeySchema({ byId: 'translation:{articleId}:{locale}', all: 'translation:all' });

const strategyOf = <T extends AnyEntity>(
  entityType: string,
  id: IdCodec<T['id']>,
  keys: { byId(id: never): string; all(): string; $namespace: string },
  keyParams: (id: T['id']) => never,
): CacheStrategy<T> =>
  defineCacheStrategy<T>({
    entityType,
    namespaces: [keys.$namespace],
    ttlSeconds: 60,
    id,
    entityKey: (value: T['id']) => keys.byId(keyParams(value)),
    queries: { findAll: { key: () => keys.all() } },
    keysOf: (entity: T) => [keys.byId(keyParams(entity.id))],
    alwaysAffected: [keys.all()],
  } as never);

/** One model: its generic repository, strategy, two rows to create, a change, and ids for the checks. */
interface Scenario {
  name: string;
  table: string;
  repository(db: IdModelsDatabase): PrismaRepository<AnyEntity, object, Tx>;
  strategy: CacheStrategy<AnyEntity>;
  creates: readonly [object, object];
  change: object;
  /** The Redis key of the first row, from its id (an autoincremented Int is not known in advance). */
  key(id: never): string;
  /** An equal id that is another value (another object, for a composite id). */
  copy(id: never): unknown;
  missingId: unknown;
  wrongId: unknown;
  /** Whether the raw-SQL write path handles this model (it binds plain scalar `id` columns only). */
  raw: boolean;
}

const scenarios: Scenario[] = [
  {
    name: 'an Int id',
    table: 'Post',
    repository: (db) =>
      new PrismaRepository<Post, PostRow, Tx>('Post', client(db), delegate('post'), copyMapper(), byCreation, {
        id: intId(),
      }) as never,
    strategy: strategyOf<Post>('post', intId(), postKeys as never, (id) => ({ id }) as never) as never,
    creates: [
      { title: 'Hello', authorId: 7, published: false },
      { title: 'World', authorId: 8, published: true },
    ],
    change: { title: 'Hello again', published: true },
    key: (id: number) => `cache:post:${id}`,
    copy: (id: number) => Number(String(id)),
    missingId: 99,
    wrongId: '1',
    raw: true,
  },
  {
    name: 'a BigInt id',
    table: 'Ledger',
    repository: (db) =>
      new PrismaRepository<Ledger, LedgerRow, Tx>('Ledger', client(db), delegate('ledger'), copyMapper(), byCreation, {
        id: bigIntId(),
      }) as never,
    strategy: strategyOf<Ledger>('ledger', bigIntId(), ledgerKeys as never, (id) => ({ id }) as never) as never,
    creates: [
      { id: 2n ** 53n + 1n, label: 'beyond a double', balance: 5 },
      { id: 2n ** 62n, label: 'big', balance: -3 },
    ],
    change: { label: 'renamed', balance: 6 },
    key: () => 'cache:ledger:9007199254740993',
    copy: (id: bigint) => BigInt(String(id)),
    missingId: 2n ** 53n,
    wrongId: 2 ** 53,
    raw: false,
  },
  {
    name: 'a composite id',
    table: 'Membership',
    repository: (db) =>
      new PrismaRepository<Membership, MembershipRow, Tx>(
        'Membership',
        client(db),
        delegate('membership'),
        membershipMapper,
        [{ userId: 'asc' }, { articleId: 'asc' }],
        { id: compositeId({ userId: 'int', articleId: 'int' }) },
      ) as never,
    strategy: strategyOf<Membership>(
      'membership',
      compositeId({ userId: 'int', articleId: 'int' }),
      membershipKeys as never,
      (id) => id as never,
    ) as never,
    creates: [
      { id: { userId: 1, articleId: 2 }, role: 'editor' },
      { id: { userId: 12, articleId: 1 }, role: 'reader' },
    ],
    change: { role: 'owner' },
    key: () => 'cache:membership:1:2',
    copy: ({ userId, articleId }: MembershipId) => ({ articleId, userId }),
    missingId: { userId: 1, articleId: 12 },
    wrongId: { userId: 1 },
    raw: false,
  },
  {
    name: 'a composite id of an Int and a String, beside a column named id',
    table: 'Translation',
    repository: (db) =>
      new PrismaRepository<Translation, TranslationRow, Tx>(
        'Translation',
        client(db),
        delegate('translation'),
        translationMapper,
        [{ articleId: 'asc' }, { locale: 'asc' }],
        { id: compositeId({ articleId: 'int', locale: 'string' }) },
      ) as never,
    strategy: strategyOf<Translation>(
      'translation',
      compositeId({ articleId: 'int', locale: 'string' }),
      translationKeys as never,
      (id) => id as never,
    ) as never,
    creates: [
      { id: { articleId: 1, locale: 'a:b*' }, code: 'a', text: 'Olá' },
      { id: { articleId: 1, locale: 'pt' }, code: 'b', text: 'Oi' },
    ],
    change: { text: 'Olá!', code: 'c' },
    key: () => 'cache:translation:1:a%3Ab%2A',
    copy: ({ articleId, locale }: TranslationId) => ({ locale, articleId }),
    missingId: { articleId: 2, locale: 'pt' },
    wrongId: { articleId: '1', locale: 'pt' },
    raw: false,
  },
];

type Loose = Repository<AnyEntity> & {
  updateReturningBeforeImage(id: never, changes: object): Promise<{ before: AnyEntity; after: AnyEntity }>;
  getCacheStats(): { hits: number; misses: number; corruptEntries: number };
};

describe.each(scenarios)('PrismaRepository over a model with $name, cached', (scenario) => {
  const fixture = useRedisCache();
  let db: IdModelsDatabase;
  beforeAll(async () => {
    db = await createIdModelsDatabase();
  });
  afterAll(() => db?.close());

  /** A fresh table, the model's repository, and a cached repository over it. */
  async function setup() {
    await db.prisma.$executeRawUnsafe(`DELETE FROM "${scenario.table}"`);
    const plain = scenario.repository(db);
    const cached = CachedRepository.wrap(plain, scenario.strategy, fixture.cache) as unknown as Loose;
    const [first, second] = [
      await cached.save(scenario.creates[0] as never),
      await cached.save(scenario.creates[1] as never),
    ];
    return { plain, cached, first, second };
  }
  const id = (value: unknown) => value as never;

  it('misses, then hits under the key of the id; findAll is cached; the id keeps its type', async () => {
    const { cached, first, second } = await setup();
    expect(await cached.findById(id(first.id))).toStrictEqual(first);
    expect(await cached.findById(id(scenario.copy(id(first.id))))).toStrictEqual(first);
    expect(await fixture.redis.exists(scenario.key(id(first.id)))).toBe(1);
    expect(await cached.findAll()).toStrictEqual([first, second]);
    expect(await cached.findAll()).toStrictEqual([first, second]);
    expect(cached.getCacheStats()).toMatchObject({ hits: 2, misses: 2, corruptEntries: 0 });
    expect(typeof (await cached.findById(id(first.id)))?.id).toBe(typeof first.id);
  });

  it('invalidates the entity key and the list after an update and a delete, and caches the absence', async () => {
    const { cached, first, second } = await setup();
    await cached.findById(id(first.id));
    await cached.findAll();
    const change = await cached.updateReturningBeforeImage(id(first.id), scenario.change);
    expect(change.before).toStrictEqual(first);
    expect(change.after).toMatchObject({
      ...first,
      ...scenario.change,
      ...('updatedAt' in first ? { updatedAt: expect.any(Date) } : {}),
    });
    expect(await cached.findById(id(first.id))).toStrictEqual(change.after);
    expect(await cached.findAll()).toStrictEqual([change.after, second]);

    expect(await cached.delete(id(first.id))).toStrictEqual(change.after);
    expect(await cached.findById(id(first.id))).toBeNull();
    const { hits } = cached.getCacheStats();
    expect(await cached.findById(id(first.id))).toBeNull();
    expect(cached.getCacheStats().hits).toBe(hits + 1);
    expect(await cached.findAll()).toStrictEqual([second]);
    expect(await cached.delete(id(first.id))).toBeNull();
  });

  it('findByIds keeps the order and leaves out repeats and absent ids, cached and not', async () => {
    const { plain, cached, first, second } = await setup();
    const ids = [second.id, scenario.missingId, first.id, scenario.copy(id(first.id)), second.id].map(id);
    expect(await plain.findByIds(ids)).toStrictEqual([second, first]);
    await cached.findById(id(second.id));
    expect(await cached.findByIds(ids)).toStrictEqual([second, first]);
    expect(await cached.findByIds(ids)).toStrictEqual([second, first]);
    expect(cached.getCacheStats().corruptEntries).toBe(0);
  });

  it('refuses an id of another type with InvalidIdError, cached or plain, before the database is asked', async () => {
    const { plain, cached } = await setup();
    const raw = jest.spyOn(db.prisma, '$queryRawUnsafe');
    try {
      for (const repository of [plain, cached]) {
        await expect(repository.findById(id(scenario.wrongId))).rejects.toThrow(InvalidIdError);
        await expect(repository.update(id(scenario.wrongId), scenario.change)).rejects.toMatchObject({
          code: 'E_INVALID_ID',
        });
        await expect(repository.delete(id(scenario.wrongId))).rejects.toThrow(InvalidIdError);
        await expect(repository.findByIds([id(scenario.wrongId)])).rejects.toThrow(InvalidIdError);
      }
      expect(raw).not.toHaveBeenCalled();
    } finally {
      raw.mockRestore();
    }
  });

  const path = scenario.raw ? 'in raw SQL' : 'through the Prisma path (raw SQL cannot bind this id)';
  it(`updates ${path}, exactly`, async () => {
    const { plain, first } = await setup();
    const raw = jest.spyOn(db.prisma, '$queryRawUnsafe');
    try {
      let state = first;
      for (let round = 0; round < 3; round += 1) {
        const change = await plain.updateReturningBeforeImage(id(first.id), scenario.change);
        expect(change.before).toStrictEqual(state);
        expect(await plain.findById(id(first.id))).toStrictEqual(change.after);
        state = change.after;
      }
      const statements = raw.mock.calls.map(([sql]) => sql).filter((sql) => sql.includes(`"${scenario.table}"`));
      // Raw: every update (after the first one's probe) is one raw statement; else none names the table.
      const updates = statements.filter((sql) => sql.includes(`UPDATE "${scenario.table}" SET`));
      if (scenario.raw) expect(updates.length).toBeGreaterThanOrEqual(3);
      else expect(statements).toEqual([]);
    } finally {
      raw.mockRestore();
    }
  });

  it('records the keys of both states in the outbox, in the write transaction', async () => {
    const { plain, first } = await setup();
    await db.prisma.$executeRawUnsafe('DELETE FROM "CacheOutbox"');
    const affected = (before: AnyEntity | null, after: AnyEntity | null) =>
      scenario.strategy.affectedKeys(before, after);
    const recording = plain as unknown as {
      updateRecorded(id: unknown, changes: object, keys: typeof affected): Promise<{ before: AnyEntity }>;
      deleteRecorded(id: unknown, keys: typeof affected): Promise<AnyEntity | null>;
    };
    expect((await recording.updateRecorded(first.id, scenario.change, affected)).before).toStrictEqual(first);
    expect(await recording.deleteRecorded(first.id, affected)).not.toBeNull();
    const rows = await db.prisma.cacheOutbox.findMany({ orderBy: { id: 'asc' } });
    const entityKey = scenario.strategy.entityKey(first.id as never);
    expect(rows.map(({ keys }) => (JSON.parse(keys) as string[]).includes(entityKey))).toEqual([true, true]);
  });
});

interface User {
  readonly id: number;
  email: string;
  passwordHash: string;
  createdAt: Date;
}

describe('PrismaRepository over a user model, cached with its password hash kept out of the cache', () => {
  const fixture = useRedisCache();
  let db: IdModelsDatabase;
  beforeAll(async () => {
    db = await createIdModelsDatabase();
  });
  afterAll(() => db?.close());
  const userKeys = defineKeySchema({ byId: 'user:{id}', all: 'user:all' });
  const strategy = defineCacheStrategy<User, Repository<User>, 'passwordHash'>({
    entityType: 'user',
    namespaces: [userKeys.$namespace],
    ttlSeconds: 60,
    id: intId(),
    omit: { passwordHash: true },
    entityKey: (id) => userKeys.byId({ id }),
    queries: { findAll: { key: () => userKeys.all() } },
    keysOf: (user) => [userKeys.byId({ id: user.id })],
    alwaysAffected: [userKeys.all()],
  });

  it('writes the hash to the database, returns it from the plain repository only, and never stores it', async () => {
    const plain = new PrismaRepository<User, User, Tx>('User', client(db), delegate('user'), copyMapper(), byCreation, {
      id: intId(),
    });
    const users = CachedRepository.wrap(plain, strategy, fixture.cache);
    const secret = '$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW';
    const saved = await users.save({ email: 'ann@example.com', passwordHash: secret });
    expect(saved).not.toHaveProperty('passwordHash');
    for (let round = 0; round < 2; round += 1) {
      expect(await users.findById(saved.id)).toStrictEqual(saved);
      expect(await users.findAll()).toStrictEqual([saved]);
      expect(await users.findByIds([saved.id])).toStrictEqual([saved]);
    }
    expect(users.getCacheStats()).toMatchObject({ hits: 4, corruptEntries: 0 });
    expect((await plain.findById(saved.id))?.passwordHash).toBe(secret);
    await users.update(saved.id, { passwordHash: `${secret}-2` });
    expect(await users.findById(saved.id)).toStrictEqual(saved);
    expect((await plain.findById(saved.id))?.passwordHash).toBe(`${secret}-2`);

    const keys = await fixture.redis.keys('*');
    expect(keys).toContain(`cache:user:${saved.id}`);
    const values = await Promise.all(keys.map((key) => fixture.redis.get(key).catch(() => '')));
    for (const text of [...keys, ...values]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain('passwordHash');
    }
  });
});
