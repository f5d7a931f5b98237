import type { Cluster, Redis } from 'ioredis';
import { CachedRepository, defineCacheStrategy, type Cached } from 'cachedrepo';
import { startRedisServer } from 'cachedrepo/testing';
import { clusterMasters } from '../../../src/redis/cluster/masters';
import { connectCache, useRedisCache } from '../../support/cache';
import { until } from '../../support/wait';
import {
  articleKeys,
  articleStrategy,
  articleStrategyDefinition,
  MemoryArticles,
  type Article,
  type ArticleRepository,
} from '../../support/articles';

// Collection queries (REDIS_CACHE.md, section 3, "Lists with arguments: pages and filters"): pages of a tag are cached
// under the tag key's generation, and a write that names the tag key invalidates every page in one UNLINK, however
// many pages are cached. Runs on one redis-server and (redis-cluster project) on a cluster.

/** The masters of `redis` (the fixture's client: one server, or a cluster seen as one). */
function mastersOf(redis: Redis): Redis[] {
  const cluster = redis as unknown as Partial<Cluster>;
  return typeof cluster.nodes === 'function'
    ? clusterMasters(redis as unknown as Cluster).map((m) => m.redis)
    : [redis];
}

/**
 * Commands that are not the library's work on keys: the counting itself, cluster topology refreshes, and replication
 * (a replica sends its master `REPLCONF ACK` every second: one landed in a write's window and failed this test once).
 */
const NOT_COUNTED = /^cmdstat_(info|config|cluster|ping|command|client|hello|readonly|replconf|psync|sync)\b/;

/** Commands run on every master since the last {@link resetCommandStats} (INFO commandstats), less NOT_COUNTED. */
async function commandsRun(redis: Redis): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const master of mastersOf(redis))
    for (const line of (await master.info('commandstats')).split('\n')) {
      const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
      if (!match || NOT_COUNTED.test(line)) continue;
      counts[match[1] as string] = (counts[match[1] as string] ?? 0) + Number(match[2]);
    }
  return counts;
}

async function resetCommandStats(redis: Redis): Promise<void> {
  await Promise.all(mastersOf(redis).map((master) => master.config('RESETSTAT')));
}

describe('collection queries: pages cached under a generation per collection', () => {
  const fixture = useRedisCache();
  let base: MemoryArticles;
  let articles: Cached<ArticleRepository>;

  beforeEach(() => {
    base = new MemoryArticles();
    articles = CachedRepository.wrap(base, articleStrategy(), fixture.cache);
  });

  async function seed(count: number, tags: (i: number) => string[]): Promise<void> {
    for (let i = 1; i <= count; i += 1) await base.save({ id: i, title: `title ${i}`, tags: tags(i) });
  }

  /** Every page of `tag` with one article each, from the cached repository, as ids and titles. */
  async function pages(tag: string, count: number): Promise<string[][]> {
    return Promise.all(
      Array.from({ length: count }, async (_, offset) =>
        (await articles.findByTag(tag, { limit: 1, offset })).map((a) => `${a.id}:${a.title}`),
      ),
    );
  }

  /** The same pages, from the base repository. */
  async function truth(tag: string, count: number): Promise<string[][]> {
    return Promise.all(
      Array.from({ length: count }, async (_, offset) =>
        (await base.findByTag(tag, { limit: 1, offset })).map((a) => `${a.id}:${a.title}`),
      ),
    );
  }

  /** Caches `count` pages of tag `a`, updates one article through the cache, and counts the write's commands. */
  async function writeOver(count: number): Promise<Record<string, number>> {
    await fixture.redis.flushall();
    await pages('a', count);
    const loads = base.calls.findByTag ?? 0;
    await pages('a', count);
    expect(base.calls.findByTag).toBe(loads); // all hits: the pages are cached
    await resetCommandStats(fixture.redis);
    await articles.update(5, { title: `changed over ${count}` });
    const commands = await commandsRun(fixture.redis);
    expect(await pages('a', count)).toEqual(await truth('a', count));
    expect((await pages('a', count))[4]).toEqual([`5:changed over ${count}`]);
    return commands;
  }

  it('invalidates 100 cached pages with one write in as many commands as 10 pages, and none stays stale', async () => {
    await seed(100, () => ['a']);
    const overTen = await writeOver(10);
    const overHundred = await writeOver(100);
    // One UNLINK of the article's key and the tag key (one per slot group on a cluster), whatever the page count.
    expect(overHundred).toEqual(overTen);
    // One server: one UNLINK. A cluster: one per slot of the two keys (cache:article:5, cache:article:tag:a), so 2.
    expect(overHundred).toEqual({ unlink: mastersOf(fixture.redis).length === 1 ? 1 : 2 });
  });

  it('serves every page of a collection from the cache until a write, and only the pages asked for', async () => {
    await seed(30, (i) => (i % 2 === 0 ? ['a', 'even'] : ['a']));
    const first = await pages('a', 30);
    expect(first).toEqual(await truth('a', 30));
    expect(base.calls.findByTag).toBe(30 * 2); // 30 loads, 30 reads of the truth
    expect(await pages('a', 30)).toEqual(first);
    expect(base.calls.findByTag).toBe(30 * 2);
    // Page keys: the collection key, '@', its generation, ':', the variant (every argument, encoded).
    const generation = await fixture.redis.get(`cache:${articleKeys.byTag({ tag: 'a' })}`);
    expect(generation).toMatch(/^~[A-Za-z0-9_-]{16}$/);
    expect(await fixture.redis.exists(`cache:article:tag:a@${generation}:('a',{'limit':d1,'offset':d0})`)).toBe(1);
    // The generation key lives as long as the pages at least (their TTL: 600 s).
    expect(await fixture.redis.ttl(`cache:article:tag:a`)).toBeGreaterThan(590);
    // A page hit costs two round trips: the generation (the script, whose own GET INFO counts too) and the page.
    await resetCommandStats(fixture.redis);
    await articles.findByTag('a', { limit: 1, offset: 3 });
    expect(await commandsRun(fixture.redis)).toEqual({ evalsha: 1, get: 2 });
  });

  it('makes both collections fresh when a write moves an article from one to another', async () => {
    await seed(6, (i) => (i <= 3 ? ['a'] : ['b']));
    expect((await articles.findByTag('a', { limit: 10, offset: 0 })).map((a) => a.id)).toEqual([1, 2, 3]);
    expect((await articles.findByTag('b', { limit: 10, offset: 0 })).map((a) => a.id)).toEqual([4, 5, 6]);
    expect((await articles.findByTagAfter('b', 4, 10)).map((a) => a.id)).toEqual([5, 6]);
    await articles.update(2, { tags: ['b'] });
    expect((await articles.findByTag('a', { limit: 10, offset: 0 })).map((a) => a.id)).toEqual([1, 3]);
    expect((await articles.findByTag('b', { limit: 10, offset: 0 })).map((a) => a.id)).toEqual([2, 4, 5, 6]);
    expect((await articles.findByTagAfter('b', null, 10)).map((a) => a.id)).toEqual([2, 4, 5, 6]);
    expect((await articles.findByTagAfter('b', 4, 10)).map((a) => a.id)).toEqual([5, 6]);
    // A new article and a deleted one change their collections too.
    await articles.save({ id: 7, title: 'new', tags: ['a'] });
    await articles.delete(4);
    expect((await articles.findByTag('a', { limit: 10, offset: 0 })).map((a) => a.id)).toEqual([1, 3, 7]);
    expect((await articles.findByTag('b', { limit: 10, offset: 0 })).map((a) => a.id)).toEqual([2, 5, 6]);
  });

  it('never serves a page that a slow load read before a write and stored after its invalidation', async () => {
    await seed(3, () => ['a']);
    let release = (): void => undefined;
    base.gate = new Promise<void>((resolve) => (release = resolve));
    const slow = articles.findByTag('a', { limit: 10, offset: 0 });
    await until(() => base.calls.findByTag === 1, 5000, 'the slow load to read its rows');
    const old = await fixture.redis.get('cache:article:tag:a');
    await articles.update(2, { title: 'after the write' });
    base.gate = null;
    release();
    // The slow read began before the write completed: either state is a correct answer for it.
    expect((await slow).map((a) => a.id)).toEqual([1, 2, 3]);
    // Its lease was still in its page key, so it stored the state before the write, under the old generation.
    const stalePage = `cache:article:tag:a@${old}:('a',{'limit':d10,'offset':d0})`;
    await until(async () => (await fixture.redis.exists(stalePage)) === 1, 5000, 'the slow load to store its page');
    expect(await fixture.redis.get(stalePage)).toContain('title 2');
    // Its page was stored (or not) under the old generation: a read that starts now never finds it.
    for (let i = 0; i < 3; i += 1)
      expect((await articles.findByTag('a', { limit: 10, offset: 0 }))[1]?.title).toBe('after the write');
  });

  it('stays correct when the generation key is deleted, evicted, flushed or overwritten', async () => {
    await seed(4, () => ['a']);
    const page = async (): Promise<string[]> =>
      (await articles.findByTag('a', { limit: 10, offset: 0 })).map((a) => a.title);
    expect(await page()).toEqual(['title 1', 'title 2', 'title 3', 'title 4']);
    // A change the cache is not told of, then the generation key lost (an eviction, an expiry): its pages are lost.
    base.rows.set('1', { id: 1, title: 'out of band', tags: ['a'] });
    await fixture.redis.del('cache:article:tag:a');
    expect(await page()).toEqual(['out of band', 'title 2', 'title 3', 'title 4']);
    base.rows.set('2', { id: 2, title: 'flushed', tags: ['a'] });
    await fixture.redis.flushall();
    expect(await page()).toEqual(['out of band', 'flushed', 'title 3', 'title 4']);
    // A key that holds something else than a generation: the page is loaded from the base, uncached.
    await fixture.redis.set('cache:article:tag:a', 'not a generation');
    const loads = base.calls.findByTag ?? 0;
    expect(await page()).toEqual(['out of band', 'flushed', 'title 3', 'title 4']);
    expect(await page()).toHaveLength(4);
    expect(base.calls.findByTag).toBe(loads + 2);
    // A write deletes it like any invalidated key; the collection is cached again.
    await articles.update(3, { title: 'written' });
    expect(await page()).toEqual(['out of band', 'flushed', 'written', 'title 4']);
    expect(await page()).toEqual(['out of band', 'flushed', 'written', 'title 4']);
    expect(base.calls.findByTag).toBe(loads + 3);
  });

  it('rejects arguments that have no canonical variant; a tag with @ is percent-encoded in its key', async () => {
    await seed(1, () => ['a']);
    await expect(articles.findByTag('a', { limit: 1, offset: 0, then: () => 0 } as never)).rejects.toThrow(
      /article\.findByTag: the arguments of a collection query hold a function/,
    );
    await expect(articles.findByTag('a@b', { limit: 1, offset: 0 })).resolves.toEqual([]);
    // A collection key built by hand with a raw @ could meet a page key: refused, naming the query.
    const handMade = defineCacheStrategy<Article, ArticleRepository>({
      ...articleStrategyDefinition(),
      queries: { findByTag: { collection: (tag) => `article:tag:${tag}` } },
    });
    const raw = CachedRepository.wrap(base, handMade, fixture.cache);
    await expect(raw.findByTag('a@b', { limit: 1, offset: 0 })).rejects.toThrow(
      /article\.findByTag: collection\(\.\.\.args\) must return a key .* without '@'\), got "article:tag:a@b"/,
    );
    await expect(raw.findByTag('a', { limit: 1, offset: 0 })).resolves.toHaveLength(1);
  });
});

describe('collection queries with a near cache', () => {
  const fixture = useRedisCache({ cacheOptions: { nearCache: true, circuitBreaker: { probeIntervalMs: 100 } } });

  it('serve pages from the near cache, yet read the generation from Redis on every call', async () => {
    const base = new MemoryArticles();
    const articles = CachedRepository.wrap(base, articleStrategy(600, { maxEntries: 100 }), fixture.cache);
    for (let i = 1; i <= 3; i += 1) await base.save({ id: i, title: `title ${i}`, tags: ['a'] });
    const nearHits = (): number =>
      fixture.cache.health().nearCache.caches.find((c) => c.entityType === 'article')?.hits ?? 0;
    const titles = async (): Promise<string[]> =>
      (await articles.findByTag('a', { limit: 10, offset: 0 })).map((a) => a.title);
    await until(
      async () => {
        const before = nearHits();
        expect(await titles()).toEqual(['title 1', 'title 2', 'title 3']);
        return nearHits() > before;
      },
      5000,
      'a page served by the near cache',
    );
    const loads = base.calls.findByTag;
    // The generation key lost behind the near cache's back (an eviction): the next call must not serve the page it
    // keeps, which is under the old generation.
    base.rows.set('2', { id: 2, title: 'changed', tags: ['a'] });
    await fixture.redis.del('cache:article:tag:a');
    expect(await titles()).toEqual(['title 1', 'changed', 'title 3']);
    expect(base.calls.findByTag).toBe((loads ?? 0) + 1);
    await articles.update(3, { title: 'written' });
    expect(await titles()).toEqual(['title 1', 'changed', 'written']);
  });
});

describe('collection queries with Redis down', () => {
  it('load every page from the base repository while Redis is down, never a cached one', async () => {
    const server = await startRedisServer();
    const { cache } = await connectCache(server.url);
    try {
      const base = new MemoryArticles();
      const articles: Cached<ArticleRepository> = CachedRepository.wrap(base, articleStrategy(), cache);
      for (let i = 1; i <= 3; i += 1) await base.save({ id: i, title: `title ${i}`, tags: ['a'] });
      const ids = async (): Promise<number[]> =>
        (await articles.findByTag('a', { limit: 10, offset: 0 })).map((a: Article) => a.id);
      expect(await ids()).toEqual([1, 2, 3]);
      expect(await ids()).toEqual([1, 2, 3]);
      expect(base.calls.findByTag).toBe(1);
      await server.stop();
      await until(() => cache.health().breaker === 'open', 5000, 'the breaker to open on the closed connection');
      base.rows.delete('2');
      expect(await ids()).toEqual([1, 3]);
      await articles.save({ id: 4, title: 'while down', tags: ['a'] });
      expect(await ids()).toEqual([1, 3, 4]);
      expect(base.calls.findByTag).toBe(3);
    } finally {
      await cache.close();
      await server.stop();
    }
  });
});
