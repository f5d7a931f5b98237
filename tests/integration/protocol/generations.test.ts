import { startRedisServer } from 'cachedrepo/testing';
import { isGeneration, newGeneration } from '../../../src/protocol/generations';
import { connectCache, useRedisCache } from '../../support/cache';
import { until } from '../../support/wait';

// The generation of a collection (CacheService.generation, generations.ts): one command that reads the token or
// creates it with a TTL, never answered stale, null whenever it cannot be trusted. Runs on a cluster too.

describe('CacheService.generation', () => {
  const fixture = useRedisCache();

  it('creates a random token with the TTL when the key is empty, and returns it until the key is deleted', async () => {
    const first = await fixture.cache.generation('article:tag:a', 120);
    expect(isGeneration(first)).toBe(true);
    expect(await fixture.redis.get('cache:article:tag:a')).toBe(first);
    expect(await fixture.redis.ttl('cache:article:tag:a')).toBeGreaterThan(110);
    // The TTL is set at creation only: reading it with another TTL keeps both the token and its TTL.
    expect(await fixture.cache.generation('article:tag:a', 5)).toBe(first);
    expect(await fixture.redis.ttl('cache:article:tag:a')).toBeGreaterThan(110);
    expect(await fixture.cache.invalidate(['article:tag:a'])).toBe(true);
    const second = await fixture.cache.generation('article:tag:a', 120);
    expect(isGeneration(second)).toBe(true);
    expect(second).not.toBe(first);
    await fixture.redis.flushall();
    const third = await fixture.cache.generation('article:tag:a', 120);
    expect([first, second]).not.toContain(third);
  });

  it('gives null for a key that holds something else than a generation, counting it as corrupt', async () => {
    const stats = fixture.cache.stats.for('article');
    await fixture.redis.set('cache:article:tag:s', 'an entry of another policy');
    expect(await fixture.cache.generation('article:tag:s', 60, stats)).toBeNull();
    expect(stats.corruptEntries).toBe(1);
    await fixture.redis.hset('cache:article:tag:h', 'field', 'value');
    expect(await fixture.cache.generation('article:tag:h', 60, stats)).toBeNull();
    expect(await fixture.redis.get('cache:article:tag:s')).toBe('an entry of another policy');
  });

  it('makes tokens that never repeat and are told apart from entries and leases', () => {
    const tokens = new Set(Array.from({ length: 10_000 }, () => newGeneration()));
    expect(tokens.size).toBe(10_000);
    for (const token of [...tokens].slice(0, 100)) expect(isGeneration(token)).toBe(true);
    for (const other of ['', '~short', '{"v":1}', 'lease:abc', `${newGeneration()}x`])
      expect(isGeneration(other)).toBe(false);
  });
});

describe('CacheService.generation with Redis down', () => {
  it('gives null, without throwing', async () => {
    const server = await startRedisServer();
    const { cache } = await connectCache(server.url);
    try {
      expect(isGeneration(await cache.generation('article:tag:a', 60))).toBe(true);
      await server.stop();
      await until(() => cache.health().breaker === 'open', 5000, 'the breaker to open on the closed connection');
      expect(await cache.generation('article:tag:a', 60)).toBeNull();
      expect(cache.health().bypassed).toBeGreaterThanOrEqual(1);
    } finally {
      await cache.close();
      await server.stop();
    }
  });
});
