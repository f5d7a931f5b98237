import { testDatabaseProvider } from '../../support/database';
import {
  client,
  spawnBlogProcess,
  startBlogServer,
  startBlogStack,
  type BlogClient,
  type BlogProcess,
  type BlogServer,
  type BlogStack,
} from './support';

/**
 * The blog (example/blog) over real HTTP, cached: a favorite, an unfavorite, a follow and an unfollow are read back at
 * once with the per-viewer flag and count they changed, by the process that wrote and by another process on the same
 * database and Redis (both had cached the old answer first). And Redis never holds the secret field.
 */
describe(`blog: read after write over HTTP (${testDatabaseProvider()})`, () => {
  let stack: BlogStack;
  let server: BlogServer;
  let other: BlogProcess;
  let here: BlogClient;
  let there: BlogClient;
  let alice: number;
  let bob: number;
  let article: number;
  const password = 'correct horse battery staple';

  beforeAll(async () => {
    stack = await startBlogStack();
    server = await startBlogServer(stack, true);
    other = await spawnBlogProcess(stack);
    here = client(server.url);
    there = client(other.url);
    alice = (await here.post('/members', undefined, { username: 'alice', password })).body?.id as number;
    bob = (await here.post('/members', undefined, { username: 'bob', password })).body?.id as number;
    const created = await here.post('/articles', alice, { title: 'Caching', body: 'Leases.', tags: ['redis'] });
    expect(created.status).toBe(201);
    article = created.body?.id as number;
  }, 60_000);

  afterAll(async () => {
    await other?.stop();
    await server?.close();
    await stack?.close();
  });

  const flags = async (api: BlogClient, viewer: number) => {
    const { status, body } = await api.get(`/articles/${article}`, viewer);
    expect(status).toBe(200);
    return { favorited: body?.favorited, favoritesCount: body?.favoritesCount };
  };

  it('a favorite and an unfavorite are read back by the same process and by another one', async () => {
    // Both processes cache "not favorited" (negative caching of the join row) and the count first.
    expect(await flags(here, bob)).toEqual({ favorited: false, favoritesCount: 0 });
    expect(await flags(there, bob)).toEqual({ favorited: false, favoritesCount: 0 });

    expect((await here.post(`/articles/${article}/favorite`, bob)).body).toMatchObject({ favorited: true });
    expect(await flags(here, bob)).toEqual({ favorited: true, favoritesCount: 1 });
    expect(await flags(there, bob)).toEqual({ favorited: true, favoritesCount: 1 });
    expect(await flags(there, alice)).toEqual({ favorited: false, favoritesCount: 1 });
    const favorites = await there.get(`/articles?favorited=${bob}`, bob);
    expect((favorites.body?.articles as { id: number }[]).map(({ id }) => id)).toEqual([article]);

    // The other process unfavorites: this one reads it at once.
    expect((await there.delete(`/articles/${article}/favorite`, bob)).body).toMatchObject({ favorited: false });
    expect(await flags(here, bob)).toEqual({ favorited: false, favoritesCount: 0 });
    expect(await flags(there, bob)).toEqual({ favorited: false, favoritesCount: 0 });
    expect((await here.get(`/articles?favorited=${bob}`, bob)).body).toEqual({ articles: [], hasMore: false });
  });

  it('a follow and an unfollow are read back by the same process and by another one', async () => {
    const profile = async (api: BlogClient) => {
      const { body } = await api.get(`/profiles/${alice}`, bob);
      return { following: body?.following, followersCount: body?.followersCount };
    };
    expect(await profile(here)).toEqual({ following: false, followersCount: 0 });
    expect(await profile(there)).toEqual({ following: false, followersCount: 0 });

    expect((await there.post(`/profiles/${alice}/follow`, bob)).body).toMatchObject({ following: true });
    expect(await profile(here)).toEqual({ following: true, followersCount: 1 });
    expect(await profile(there)).toEqual({ following: true, followersCount: 1 });

    expect((await here.delete(`/profiles/${alice}/follow`, bob)).body).toMatchObject({ following: false });
    expect(await profile(there)).toEqual({ following: false, followersCount: 0 });
    expect(await profile(here)).toEqual({ following: false, followersCount: 0 });
  });

  it('Redis holds members (read through the cache) but never the password hash', async () => {
    const member = await here.get(`/members/${alice}`);
    expect(member.body).toEqual({ id: alice, username: 'alice', bio: '', createdAt: expect.any(String) });
    await there.get(`/members/${bob}`);
    await here.get(`/profiles/${bob}`, alice);
    const row = await stack.db.prisma.member.findUniqueOrThrow({ where: { id: alice } });
    const secrets = [row.passwordHash, ...row.passwordHash.split(':')];

    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await stack.redis.scan(cursor, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    const values: string[] = [];
    for (const key of keys) {
      const type = await stack.redis.type(key);
      if (type === 'string') values.push((await stack.redis.getBuffer(key))?.toString('latin1') ?? '');
      const dump = await stack.redis.dumpBuffer(key);
      if (dump) values.push(dump.toString('latin1'));
    }
    // The scan looked at the cached members: their usernames are there, readable.
    expect(values.some((value) => value.includes('"alice"') || value.includes('alice'))).toBe(true);
    expect(keys.some((key) => key.includes(`member:${alice}`))).toBe(true);
    for (const secret of secrets) expect(values.filter((value) => value.includes(secret))).toEqual([]);
  });
});
