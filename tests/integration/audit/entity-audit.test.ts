import { CachedRepository } from 'cachedrepo';
import { useRedisCache } from '../../support/cache';
import { until } from '../../support/wait';
import { articleStrategy, MemoryArticles } from '../../support/articles';

// The consistency auditor on collection pages (REDIS_CACHE.md, section 3, "Lists with arguments"). A write retires a
// page by changing its collection's generation, not by deleting the page key: the page stays in Redis until its TTL,
// never read again. The re-check must see that retirement as a change, like the deletion of a keyed entry, or every
// page hit that races a write would be reported (and logged) as an inconsistency.

describe('consistency auditor on collection pages', () => {
  const fixture = useRedisCache({
    cacheOptions: { audit: { sampleRate: 1, maxReadsPerSecond: 1000, recheckDelayMs: 50 } },
  });
  const audit = () => {
    const health = fixture.cache.health().audit;
    if (!health) throw new Error('the auditor is off');
    return health;
  };

  it('counts a page hit that raced a write as transient, not as a mismatch', async () => {
    const base = new MemoryArticles();
    const articles = CachedRepository.wrap(base, articleStrategy(), fixture.cache);
    for (let i = 1; i <= 3; i += 1) await base.save({ id: i, title: `title ${i}`, tags: ['a'] });
    const page = { limit: 10, offset: 0 };
    await articles.findByTag('a', page); // a miss: stored, not checked (the auditor checks hits)
    const before = audit();
    // A hit served from the page; the auditor's base read waits until a write has committed and invalidated.
    let release = (): void => undefined;
    base.entry = new Promise<void>((resolve) => (release = resolve));
    expect((await articles.findByTag('a', page))[1]?.title).toBe('title 2');
    await articles.update(2, { title: 'written' });
    base.entry = null;
    release();
    await until(() => audit().checked > before.checked, 5000, 'the check of the hit');
    await until(() => audit().pendingRechecks === 0, 5000, 'the re-check to finish');
    expect(audit().mismatches).toBe(before.mismatches);
    expect(audit().transient).toBeGreaterThan(before.transient);
    expect((await articles.findByTag('a', page))[1]?.title).toBe('written');
  });

  it('still finds a stale page planted behind the library: same generation, other rows', async () => {
    const base = new MemoryArticles();
    const articles = CachedRepository.wrap(base, articleStrategy(), fixture.cache);
    for (let i = 1; i <= 2; i += 1) await base.save({ id: i, title: `title ${i}`, tags: ['a'] });
    await articles.findByTag('a', { limit: 10, offset: 0 });
    await until(() => audit().pendingRechecks === 0, 5000, 'the first check');
    const before = audit().mismatches;
    base.rows.set('1', { id: 1, title: 'changed behind the cache', tags: ['a'] });
    await articles.findByTag('a', { limit: 10, offset: 0 });
    await until(() => audit().mismatches === before + 1, 5000, 'the stale page to be confirmed');
    expect((await articles.findByTag('a', { limit: 10, offset: 0 }))[0]?.title).toBe('changed behind the cache');
  });
});
