import 'reflect-metadata';
import type { Redis } from 'ioredis';
import { container as rootContainer } from 'tsyringe';
import { createRedisClient, waitUntilReady } from 'cachedrepo';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';
import { loadSettings } from '../../../../example/config/settings';
import { registerDataLayer, TOKENS, type DataLayer } from '../../../../example/container';
import { Gender, Language } from '../../../../example/domain';
import { waitFor } from '../../../integration/capture/support/harness';
import { MemoryLogger } from '../../../support/cache';
import { testDatabaseProvider } from '../../support/database';
import { captureDatabase, type CaptureDatabase } from './support';

/**
 * A write through a cached repository while capture runs is invalidated twice: by its writer after the commit, and by
 * the consumer when it reads the change. On SQLite the writer leaves a receipt beside each key it invalidated
 * (src/repository/write-receipt.ts), and the consumer leaves those keys alone: the entries readers refilled after the
 * writer's UNLINK are fresh. A change no writer vouched for (raw SQL) is invalidated as always. PostgreSQL's writes
 * carry no receipt yet: every change is invalidated by the consumer.
 */
describe(`write receipts (${testDatabaseProvider()})`, () => {
  let server: RedisServerHandle;
  let redis: Redis;
  let db: CaptureDatabase;
  let layer: DataLayer;
  const sqlite = testDatabaseProvider() === 'sqlite';

  beforeAll(async () => {
    [server, db] = await Promise.all([startRedisServer(), captureDatabase()]);
    redis = createRedisClient({ url: server.url });
    await waitUntilReady(redis, 5000);
  });

  afterAll(async () => {
    await layer?.close();
    redis?.disconnect();
    await server?.stop();
    await db?.close();
  });

  it('keeps the entries refilled after a receipted write, and invalidates a change no writer vouched for', async () => {
    const container = rootContainer.createChildContainer();
    layer = registerDataLayer(container, loadSettings({ REDIS_URL: server.url, DATABASE_URL: db.url }), {
      prisma: db.prisma,
      logger: new MemoryLogger(),
    });
    const { cacheService } = layer;
    if (!cacheService) throw new Error('caching is on: the layer has a cache service');
    expect(await cacheService.waitUntilReady(5000)).toBe(true);
    const running = await layer.startCapture({ slot: 'receipts_capture', pollIntervalMs: 20, leaseMs: 500 });
    if (!running) throw new Error('caching is on: capture must start');
    const { capture } = running;
    const heroes = container.resolve(TOKENS.HeroRepository);
    const applied = async (count: number) => waitFor('changes applied', () => capture.health().changesApplied >= count);
    const key = (id: string): string => `cache:hero:${id}`;

    // PostgreSQL: the new slot clears the prefix first (changes before it were never decoded).
    if (!sqlite) await waitFor('the new slot cleared the prefix', () => capture.health().prefixClears >= 1);
    const hero = await heroes.save({
      name: 'Hector',
      language: Language.Greek,
      gender: Gender.Male,
      description: null,
    });
    await applied(1);
    const skippedBefore = capture.health().keysSkipped;

    for (const [round, name] of ['Hector of Troy', 'Hector, son of Priam'].entries()) {
      const { changesApplied: done, keysInvalidated: invalidated } = capture.health();
      await heroes.update(hero.id, { name });
      expect((await heroes.findById(hero.id))?.name).toBe(name); // refilled after the writer's UNLINK
      await waitFor('refilled', async () => (await redis.exists(key(hero.id))) === 1);
      await applied(done + 1);
      if (sqlite) {
        expect(await redis.get(key(hero.id))).toContain(name);
        expect(capture.health().keysSkipped).toBeGreaterThan(skippedBefore + round);
      } else {
        // The consumer unlinked the keys again (before or after the refill: either may come first).
        expect(capture.health().keysInvalidated).toBeGreaterThan(invalidated);
        expect(capture.health().keysSkipped).toBe(0);
      }
    }

    // A change outside the repositories carries no receipt: the consumer invalidates the (now stale) entry.
    expect((await heroes.findById(hero.id))?.name).toBe('Hector, son of Priam');
    await waitFor('cached', async () => (await redis.exists(key(hero.id))) === 1);
    const done = capture.health().changesApplied;
    await db.rawSql('UPDATE "Hero" SET "name" = ? WHERE "id" = ?', ['Hector (raw)', hero.id]);
    await applied(done + 1);
    expect((await heroes.findById(hero.id))?.name).toBe('Hector (raw)');
  });
});
