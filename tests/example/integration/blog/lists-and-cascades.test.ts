import { testDatabaseProvider } from '../../support/database';
import {
  captureBarrier,
  client,
  startBlogServer,
  startBlogStack,
  type BlogClient,
  type BlogServer,
  type BlogStack,
} from './support';

type Listed = { articles: { id: number; title: string; tags: string[] }[]; hasMore: boolean };

/**
 * The blog (example/blog) over real HTTP, cached, with change capture: a page of a filtered list after a write that
 * changes its membership, a cascaded delete seen by every cached read, and the same answers from a plain server (no
 * cache) on the same database.
 */
describe(`blog: lists, pages and cascades over HTTP (${testDatabaseProvider()})`, () => {
  let stack: BlogStack;
  let cached: BlogServer;
  let plain: BlogServer;
  let api: BlogClient;
  let uncached: BlogClient;
  let carol: number;
  let dave: number;

  beforeAll(async () => {
    stack = await startBlogStack();
    [cached, plain] = [await startBlogServer(stack, true), await startBlogServer(stack, false)];
    api = client(cached.url);
    uncached = client(plain.url);
    carol = (await api.post('/members', undefined, { username: 'carol', password: 'carol-secret' })).body?.id as number;
    dave = (await api.post('/members', undefined, { username: 'dave', password: 'dave-secret' })).body?.id as number;
  }, 60_000);

  afterAll(async () => {
    await plain?.close();
    await cached?.close();
    await stack?.close();
  });

  const page = async (query: string, viewer?: number): Promise<Listed> => {
    const { status, body } = await api.get(`/articles?${query}`, viewer);
    expect(status).toBe(200);
    return body as unknown as Listed;
  };
  const titles = (listed: Listed) => listed.articles.map(({ title }) => title);

  it('an article retagged moves out of one tag page into the other', async () => {
    for (const n of [1, 2, 3, 4, 5])
      await api.post('/articles', carol, { title: `tips ${n}`, body: '...', tags: n % 2 ? ['redis'] : ['sql'] });
    // Newest first; pages of 2 (the lists and the pages are cached now).
    expect(await page('tag=redis&limit=2&offset=0')).toMatchObject({ hasMore: true });
    expect(titles(await page('tag=redis&limit=2&offset=0'))).toEqual(['tips 5', 'tips 3']);
    expect(titles(await page('tag=redis&limit=2&offset=2'))).toEqual(['tips 1']);
    expect(titles(await page('tag=sql&limit=2&offset=0'))).toEqual(['tips 4', 'tips 2']);

    // Each page is an entry of its own in the tag's collection (the collection key holds the generation).
    expect((await stack.redis.keys('blog:articletag:tag:*@*')).length).toBeGreaterThanOrEqual(3);
    const tips3 = (await page('tag=redis&limit=2&offset=0')).articles[1]!.id;
    const moved = await api.put(`/articles/${tips3}`, carol, { tags: ['sql'] });
    expect(moved.body).toMatchObject({ tags: ['sql'] });

    expect(titles(await page('tag=redis&limit=2&offset=0'))).toEqual(['tips 5', 'tips 1']);
    expect(await page('tag=redis&limit=2&offset=2')).toEqual({ articles: [], hasMore: false });
    expect(await page('tag=redis&limit=2&offset=0')).toMatchObject({ hasMore: false });
    // The link of tips 3 to sql is the newest link: first on its page.
    expect(titles(await page('tag=sql&limit=2&offset=0'))).toEqual(['tips 3', 'tips 4']);
    expect(titles(await page('tag=sql&limit=2&offset=2'))).toEqual(['tips 2']);
    expect((await api.get(`/articles/${tips3}`)).body).toMatchObject({ tags: ['sql'] });
    // A retitle shows in every list that holds the article.
    await api.put(`/articles/${tips3}`, carol, { title: 'tips three' });
    expect(titles(await page('tag=sql&limit=1&offset=0'))).toEqual(['tips three']);
    expect(titles(await page(`author=${carol}&limit=10&offset=0`))).toContain('tips three');
  });

  it('a member deleted: their articles, favorites and follows disappear from every cached read', async () => {
    const mine = await api.post('/articles', dave, { title: 'by dave', body: '...', tags: ['redis'] });
    const daveArticle = mine.body?.id as number;
    const carolArticle = (await page(`author=${carol}&limit=1&offset=0`)).articles[0]!.id;
    await api.post(`/articles/${carolArticle}/favorite`, dave);
    await api.post(`/articles/${daveArticle}/favorite`, carol);
    await api.post(`/profiles/${carol}/follow`, dave);
    await api.post(`/articles/${daveArticle}/comments`, carol, { body: 'nice' });
    // Every read below is cached with dave in it first.
    expect((await api.get(`/articles/${carolArticle}`, dave)).body).toMatchObject({
      favorited: true,
      favoritesCount: 1,
    });
    expect((await api.get(`/profiles/${carol}`, dave)).body).toMatchObject({ following: true, followersCount: 1 });
    expect(titles(await page('tag=redis&limit=10&offset=0'))).toContain('by dave');
    expect(titles(await page(`favorited=${carol}&limit=10&offset=0`))).toEqual(['by dave']);
    expect((await api.get(`/articles/${daveArticle}/comments`)).body).toHaveLength(1);

    expect((await api.delete(`/members/${dave}`, dave)).status).toBe(204);
    // The database deleted the rest (ON DELETE CASCADE); capture invalidates their keys: wait until it applied them.
    await captureBarrier(stack, cached.data);

    expect((await api.get(`/members/${dave}`)).status).toBe(404);
    expect((await api.get(`/articles/${daveArticle}`)).status).toBe(404);
    expect((await api.get(`/articles/${daveArticle}/comments`)).body).toEqual([]);
    expect((await api.get(`/articles/${carolArticle}`)).body).toMatchObject({ favoritesCount: 0 });
    expect((await api.get(`/profiles/${carol}`)).body).toMatchObject({ followersCount: 0 });
    expect(titles(await page('tag=redis&limit=10&offset=0'))).not.toContain('by dave');
    expect(await page(`favorited=${carol}&limit=10&offset=0`)).toEqual({ articles: [], hasMore: false });
    expect(await page(`author=${dave}&limit=10&offset=0`)).toEqual({ articles: [], hasMore: false });
    expect(await page(`favorited=${dave}&limit=10&offset=0`)).toEqual({ articles: [], hasMore: false });
  });

  it('a favorite written with plain SQL outside the repositories is read through the same declarations', async () => {
    const frank = (await api.post('/members', undefined, { username: 'frank', password: 'frank-secret' })).body?.id;
    const article = (await page(`author=${carol}&limit=1&offset=0`)).articles[0]!.id;
    expect((await api.get(`/articles/${article}`, Number(frank))).body).toMatchObject({ favorited: false });
    expect(await page(`favorited=${String(frank)}&limit=5&offset=0`)).toEqual({ articles: [], hasMore: false });
    await stack.db.rawSql('INSERT INTO "Favorite" ("memberId", "articleId") VALUES (?, ?)', [frank, article]);
    await captureBarrier(stack, cached.data);
    expect((await api.get(`/articles/${article}`, Number(frank))).body).toMatchObject({ favorited: true });
    expect((await page(`favorited=${String(frank)}&limit=5&offset=0`)).articles).toHaveLength(1);
  });

  it('the cached server answers as the plain one (no cache) on the same database', async () => {
    await captureBarrier(stack, cached.data);
    const erin = (await api.post('/members', undefined, { username: 'erin', password: 'erin-secret' })).body?.id;
    const paths = [
      `/members/${carol}`,
      `/members/${String(erin)}`,
      `/profiles/${carol}`,
      '/articles?tag=redis&limit=2&offset=0',
      '/articles?tag=sql&limit=2&offset=1',
      `/articles?author=${carol}&limit=3&offset=0`,
      `/articles?favorited=${carol}&limit=3&offset=0`,
    ];
    const first = (await page(`author=${carol}&limit=1&offset=0`)).articles[0]!.id;
    paths.push(`/articles/${first}`, `/articles/${first}/comments`, '/articles/999999', '/members/999999');
    for (const path of paths) {
      const twice = [await api.get(path, carol), await api.get(path, carol)];
      const reference = await uncached.get(path, carol);
      expect(twice).toEqual([reference, reference]);
    }
  });
});
