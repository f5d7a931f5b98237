import type { Redis } from 'ioredis';
import type { CacheService } from 'cachedrepo';
import { TOKENS } from '../../../../example/container';
import { warmInBatches, type WarmTask } from '../../../../example/warming/batch-warmer';
import { useRedisCache } from '../../../support/cache';
import { useTestDatabase, type TestDatabase } from '../../support/database';
import { appUnderTest, createStudyData, holdStudyRepository, type AppUnderTest } from '../services/support';

/** A gate the test opens by hand. */
function gate(): { wait: Promise<void>; open(): void } {
  let open = (): void => undefined;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

// Cache warming on a real redis-server and a real database.
describe('CacheWarmer', () => {
  let redis: Redis;
  let cache: CacheService;
  let db: TestDatabase;
  const redisFixture = useRedisCache();
  const dbFixture = useTestDatabase();
  const apps: AppUnderTest[] = [];
  beforeAll(() => {
    ({ redis, cache } = redisFixture);
    db = dbFixture.db;
  });
  afterAll(async () => {
    for (const app of apps) await app.layer.close();
  });

  function app(env: Record<string, string> = {}, cacheService: CacheService | null = cache) {
    let held!: ReturnType<typeof holdStudyRepository>;
    const built = appUnderTest(
      db.prisma,
      db.url,
      cacheService,
      env,
      (container) => (held = holdStudyRepository(container)),
    );
    apps.push(built);
    return { container: built.container, warmer: built.container.resolve(TOKENS.CacheWarmer), held };
  }

  it("warms the deck lists, the leaderboard and the configured learners' progress, and reports them", async () => {
    const { user } = await createStudyData(db.prisma, 2);
    const second = await createStudyData(db.prisma, 0);
    const { warmer, container } = app({ CACHE_WARMING_USERS: `${user.id}, ${second.user.id}` });
    const report = await warmer.warm();
    const keys = [
      'decks:list',
      ...['A1', 'A2', 'B1', 'B2', 'C1', 'C2'].map((level) => `decks:list:level:${level}`),
      'achievements:global:leaderboard',
      `user:${user.id}:progress`,
      `user:${second.user.id}:progress`,
    ];
    expect([...report.warmed].sort()).toEqual([...keys].sort());
    expect(report).toMatchObject({
      failed: [],
      unfinished: [],
      notStarted: [],
      timedOut: false,
      batchSize: 10,
      batches: 1,
    });
    expect(report.durationMs).toBeGreaterThanOrEqual(0);
    expect(await redis.exists(...keys.map((key) => `cache:${key}`))).toBe(keys.length);
    // The warmed entries are what the application then reads: hits.
    const decks = container.resolve(TOKENS.DeckRepository);
    const before = cache.stats.for('deck').hits;
    await decks.findAll();
    expect(cache.stats.for('deck').hits).toBe(before + 1);
    const progress = container.resolve(TOKENS.ProgressService);
    const hits = cache.stats.for('ProgressService.getProgress').hits;
    await progress.getProgress(user.id);
    expect(cache.stats.for('ProgressService.getProgress').hits).toBe(hits + 1);
  });

  it(
    'runs batches of CACHE_WARMING_BATCH_SIZE: never more in flight, the next batch after the ' + 'previous one',
    async () => {
      const users = await Promise.all([1, 2, 3, 4, 5].map(() => createStudyData(db.prisma, 0)));
      const { warmer } = app({ CACHE_WARMING_BATCH_SIZE: '3' });
      let inFlight = 0;
      let most = 0;
      const events: string[] = [];
      const tasks: WarmTask[] = warmer.tasks(users.map(({ user }) => user.id)).map((task) => ({
        name: task.name,
        run: async () => {
          inFlight += 1;
          most = Math.max(most, inFlight);
          events.push(`start ${task.name}`);
          try {
            return await task.run();
          } finally {
            inFlight -= 1;
            events.push(`end ${task.name}`);
          }
        },
      }));
      expect(tasks).toHaveLength(13);
      const report = await warmInBatches(tasks, { batchSize: 3, timeoutMs: 20_000 });
      expect(report.batches).toBe(5);
      expect(report.warmed).toHaveLength(13);
      expect(most).toBe(3);
      // Every task of a batch ends before any task of the next batch starts.
      for (let batch = 1; batch < 5; batch += 1) {
        const lastEnd = Math.max(
          ...tasks.slice((batch - 1) * 3, batch * 3).map((task) => events.indexOf(`end ${task.name}`)),
        );
        const firstStart = Math.min(
          ...tasks.slice(batch * 3, batch * 3 + 3).map((task) => events.indexOf(`start ${task.name}`)),
        );
        expect(lastEnd).toBeLessThan(firstStart);
      }
    },
  );

  it('never waits past the timeout: a query still running is reported unfinished, later ones not started', async () => {
    const { user } = await createStudyData(db.prisma, 0);
    const { warmer, held } = app();
    // The learner's progress first (held: it never finishes by itself), then everything else.
    const tasks = warmer.tasks([user.id]);
    const progressTask = tasks.find((task) => task.name === `user:${user.id}:progress`) as WarmTask;
    const others = tasks.filter((task) => task !== progressTask);
    const hold = held.holdNext('reviewsOf');
    // If the report waited for the held query, this would never return (the hold is released below).
    const report = await warmInBatches([progressTask, ...others], { batchSize: 1, timeoutMs: 300 });
    hold.release();
    expect(report).toMatchObject({ timedOut: true, batches: 1, warmed: [], unfinished: [`user:${user.id}:progress`] });
    expect(report.notStarted).toEqual(others.map((task) => task.name));
    // The unfinished load completes in the background and fills its key through the read path.
    for (let i = 0; i < 500 && (await redis.exists(`cache:user:${user.id}:progress`)) === 0; i += 1)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await redis.exists(`cache:user:${user.id}:progress`)).toBe(1);
  });

  it('takes the batch size and timeout from configuration', async () => {
    const { warmer } = app({ CACHE_WARMING_BATCH_SIZE: '4', CACHE_WARMING_TIMEOUT: '25000' });
    const report = await warmer.warm([]);
    expect(report).toMatchObject({ batchSize: 4, timeoutMs: 25_000, batches: 2, timedOut: false });
    expect(report.warmed).toHaveLength(8);
  });

  it(
    'cannot store stale data: a warm-up load held across a review stores nothing, and the next ' + 'read is fresh',
    async () => {
      const { user, cards } = await createStudyData(db.prisma, 1);
      const { warmer, held, container } = app();
      const progress = container.resolve(TOKENS.ProgressService);
      const hold = held.holdNext('reviewsOf');
      const warming = warmer.warm([user.id]);
      await hold.loaded; // the warm-up has read the empty history and holds it
      await progress.recordReview(user.id, cards[0]!.id, 5);
      hold.release();
      expect((await warming).warmed).toContain(`user:${user.id}:progress`);
      expect(await redis.exists(`cache:user:${user.id}:progress`)).toBe(0);
      expect((await progress.getProgress(user.id)).reviews).toBe(1);
    },
  );

  it('warms nothing when the cache is disabled, and says so', async () => {
    const { warmer } = app({}, null);
    await redis.flushall();
    const report = await warmer.warm(['u1']);
    expect(report.skipped).toMatch(/disabled/);
    expect(report.warmed).toEqual([]);
    expect(report.notStarted).toContain('user:u1:progress');
    expect(await redis.dbsize()).toBe(0);
  });

  it('warmInBatches reports a failing query and goes on with the others', async () => {
    const report = await warmInBatches(
      [
        { name: 'ok', run: async () => 1 },
        { name: 'broken', run: async () => Promise.reject(new Error('database gone')) },
        { name: 'after', run: async () => 2 },
      ],
      { batchSize: 2, timeoutMs: 10_000 },
    );
    expect(report.failed).toEqual([{ name: 'broken', error: 'database gone' }]);
    expect(report.warmed.sort()).toEqual(['after', 'ok']);
    expect(report.batches).toBe(2);
  });

  it('starts no batch once the deadline has passed', async () => {
    const started: string[] = [];
    const slow = gate();
    const report = await warmInBatches(
      ['a', 'b', 'c'].map((name) => ({
        name,
        run: async () => (started.push(name), name === 'a' ? slow.wait : undefined),
      })),
      { batchSize: 1, timeoutMs: 50 },
    );
    slow.open();
    expect(started).toEqual(['a']);
    expect(report).toMatchObject({ timedOut: true, batches: 1, unfinished: ['a'], notStarted: ['b', 'c'], warmed: [] });
  });
});
