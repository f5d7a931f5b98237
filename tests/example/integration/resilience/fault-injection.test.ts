import { CacheService } from 'cachedrepo';
import { CachedRepository, type Cached } from 'cachedrepo';
import { createRedisClient } from 'cachedrepo';
import { Gender, Language, type Hero } from '../../../../example/domain';
import { PrismaHeroRepository } from '../../../../example/infrastructure/prisma';
import type { HeroRepository } from '../../../../example/repositories';
import { heroCacheStrategy } from '../../../../example/strategies';
import { MemoryLogger } from '../../../support/cache';
import { sleep, until } from '../../../support/wait';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';

// Fault injection against a real redis-server the test controls by PID. For every fault: no
// read or write through the repository fails, and no read returns data older than a write
// that completed before the read began.

describe('fault injection', () => {
  let db: TestDatabase;
  let plain: PrismaHeroRepository;
  let server: RedisServerHandle;
  let cache: CacheService;
  let heroes: Cached<HeroRepository>;
  let hero: Hero;
  let version = 0;

  beforeAll(() => {
    db = createTestDatabase();
    plain = new PrismaHeroRepository(db.prisma);
  });
  afterAll(() => db.close());

  beforeEach(async () => {
    server = await startRedisServer();
    const redis = createRedisClient({ url: server.url, commandTimeoutMs: 150, connectTimeoutMs: 300 });
    cache = new CacheService(redis, {
      logger: new MemoryLogger(),
      circuitBreaker: { failureThreshold: 3, probeIntervalMs: 100 },
    });
    await cache.waitUntilReady(3000);
    heroes = CachedRepository.wrap(plain, heroCacheStrategy(), cache);
    hero = await plain.save({
      name: `Talos ${Date.now()}`,
      language: Language.Greek,
      gender: Gender.Male,
      description: 'v0',
    });
    version = 0;
  });
  afterEach(async () => {
    await cache.close();
    server.signal('SIGCONT');
    await server.stop();
  });

  /** A write through the cached repository; returns once it completed. */
  async function write(): Promise<string> {
    // `version` is the last COMPLETED write: it moves only once the update has returned, so a
    // read that overlaps a write in progress (PostgreSQL answers asynchronously) is not judged
    // against it.
    const next = version + 1;
    await heroes.update(hero.id, { description: `v${next}` });
    version = next;
    return `v${next}`;
  }

  /** Reads by id and through a list, and checks both against the last completed write. */
  async function expectFreshReads(): Promise<void> {
    const expected = `v${version}`;
    expect((await heroes.findById(hero.id))?.description).toBe(expected);
    expect((await heroes.findByLanguage(Language.Greek)).find((h) => h.id === hero.id)?.description).toBe(expected);
  }

  async function fillCache(): Promise<void> {
    await expectFreshReads();
    await expectFreshReads();
    expect(heroes.getCacheStats().hits).toBeGreaterThan(0);
  }

  it('Redis not running at start: reads and writes work; once it starts, the cache is used again', async () => {
    server.signal('SIGKILL');
    await sleep(100);
    await expectFreshReads();
    await write();
    await expectFreshReads();
    expect(cache.health().breaker).toBe('open');

    await server.restart();
    await until(() => cache.health().breaker === 'closed', 5000, 'the breaker to close');
    const hitsBefore = heroes.getCacheStats().hits;
    await expectFreshReads();
    await expectFreshReads();
    expect(heroes.getCacheStats().hits).toBeGreaterThan(hitsBefore);
  });

  it('Redis killed (SIGKILL) under load and restarted: no failed call, no stale read', async () => {
    await fillCache();
    let stop = false;
    const failures: unknown[] = [];
    const readers = Array.from({ length: 8 }, async () => {
      while (!stop) {
        const before = version;
        try {
          const found = await heroes.findById(hero.id);
          const seen = Number(found?.description?.slice(1));
          if (seen < before) failures.push(`read v${seen} after v${before} completed`);
        } catch (error) {
          failures.push(error);
        }
        // SQLite (better-sqlite3) answers synchronously: with Redis bypassed, a read is all
        // microtasks, so yield to let timers (the test's own steps) run.
        await new Promise((resolve) => setImmediate(resolve));
      }
    });
    await sleep(100);
    server.signal('SIGKILL');
    for (let i = 0; i < 5; i += 1) {
      await write();
      await sleep(30);
    }
    await server.restart();
    for (let i = 0; i < 5; i += 1) {
      await write();
      await sleep(30);
    }
    await until(() => cache.health().breaker === 'closed', 5000, 'the breaker to close');
    await sleep(100);
    stop = true;
    await Promise.all(readers);
    expect(failures).toEqual([]);
    await expectFreshReads();
  });

  it('Redis hung (SIGSTOP), a write during the hang, then SIGCONT: the old entry is never served', async () => {
    await fillCache();
    server.signal('SIGSTOP');
    await expectFreshReads(); // times out on Redis, served by the database
    await write(); // the invalidation cannot reach the paused server: it is pending
    expect(cache.health().pendingInvalidations).toBeGreaterThan(0);
    for (let i = 0; i < 20; i += 1) await expectFreshReads();
    expect(cache.health().breaker).toBe('open');
    await sleep(1000);

    // The paused server still holds the entry from before the write.
    server.signal('SIGCONT');
    for (let i = 0; i < 50; i += 1) {
      await expectFreshReads();
      await sleep(10);
    }
    await until(() => cache.health().breaker === 'closed', 5000, 'the breaker to close');
    expect(cache.health().pendingInvalidations).toBe(0);
    await expectFreshReads();
    await expectFreshReads();
  });

  it('while the breaker is open, reads do not wait for Redis', async () => {
    await fillCache();
    server.signal('SIGSTOP');
    await until(() => (void heroes.findById(hero.id), cache.health().breaker === 'open'), 5000, 'the breaker to open');
    const bypassedBefore = cache.health().bypassed;
    await expectFreshReads();
    // The reads above were not sent to Redis at all (no timeout was waited for).
    expect(cache.health().bypassed).toBeGreaterThan(bypassedBefore);
  });
});
