import 'reflect-metadata';
import type { Redis } from 'ioredis';
import { Client } from 'pg';
import { container as rootContainer } from 'tsyringe';
import { createRedisClient, waitUntilReady } from 'cachedrepo';
import type { ChangeCapture } from 'cachedrepo/capture';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';
import { loadSettings } from '../../../../example/config/settings';
import { registerDataLayer, TOKENS, type DataLayer } from '../../../../example/container';
import { Gender, Language } from '../../../../example/domain';
import type { HeroRepository } from '../../../../example/repositories';
import { waitFor } from '../../../integration/capture/support/harness';
import { MemoryLogger } from '../../../support/cache';
import { testDatabaseProvider } from '../../support/database';
import { captureDatabase, type CaptureDatabase } from './support';

/**
 * A write through a cached repository while capture runs is invalidated twice: by its writer after the commit, and by
 * the consumer when it reads the change. The writer leaves a receipt beside each key it invalidated
 * (src/repository/write-receipt.ts: on SQLite the change table's id, on PostgreSQL its transaction id), and the
 * consumer leaves those keys alone: the entries readers refilled after the writer's UNLINK are fresh. A change no
 * writer vouched for (raw SQL, a transaction still open during the write) is invalidated as always.
 */
describe(`write receipts (${testDatabaseProvider()})`, () => {
  // On PostgreSQL longer than a raw write's invalidation may ever take here, so that the last test can tell it waited.
  const RECEIPT_WAIT_MS = testDatabaseProvider() === 'sqlite' ? 1000 : 2000;
  let server: RedisServerHandle;
  let redis: Redis;
  let db: CaptureDatabase;
  let layer: DataLayer;
  let heroes: HeroRepository;
  let capture: ChangeCapture;
  const sqlite = testDatabaseProvider() === 'sqlite';
  const key = (id: string): string => `cache:hero:${id}`;
  const applied = async (count: number) => waitFor('changes applied', () => capture.health().changesApplied >= count);

  beforeAll(async () => {
    [server, db] = await Promise.all([startRedisServer(), captureDatabase()]);
    redis = createRedisClient({ url: server.url });
    await waitUntilReady(redis, 5000);
    const container = rootContainer.createChildContainer();
    layer = registerDataLayer(container, loadSettings({ REDIS_URL: server.url, DATABASE_URL: db.url }), {
      prisma: db.prisma,
      logger: new MemoryLogger(),
    });
    const { cacheService } = layer;
    if (!cacheService) throw new Error('caching is on: the layer has a cache service');
    expect(await cacheService.waitUntilReady(5000)).toBe(true);
    // A wait for receipts far above a writer's own time from commit to UNLINK, so that the test does not race it.
    const running = await layer.startCapture({
      slot: 'receipts_capture',
      pollIntervalMs: 20,
      leaseMs: 500,
      receiptWaitMs: RECEIPT_WAIT_MS,
    });
    if (!running) throw new Error('caching is on: capture must start');
    capture = running.capture;
    heroes = container.resolve(TOKENS.HeroRepository);
    // PostgreSQL: the new slot clears the prefix first (changes before it were never decoded).
    if (!sqlite) await waitFor('the new slot cleared the prefix', () => capture.health().prefixClears >= 1);
  });

  afterAll(async () => {
    await layer?.close();
    redis?.disconnect();
    await server?.stop();
    await db?.close();
  });

  it('keeps the entries refilled after a receipted write, and invalidates a change no writer vouched for', async () => {
    const hero = await heroes.save({
      name: 'Hector',
      language: Language.Greek,
      gender: Gender.Male,
      description: null,
    });
    await applied(1);
    const skippedBefore = capture.health().keysSkipped;

    for (const [round, name] of ['Hector of Troy', 'Hector, son of Priam'].entries()) {
      const done = capture.health().changesApplied;
      await heroes.update(hero.id, { name });
      expect((await heroes.findById(hero.id))?.name).toBe(name); // refilled after the writer's UNLINK
      await waitFor('refilled', async () => (await redis.exists(key(hero.id))) === 1);
      await applied(done + 1);
      expect(await redis.get(key(hero.id))).toContain(name);
      expect(capture.health().keysSkipped).toBeGreaterThan(skippedBefore + round);
    }

    // A change outside the repositories carries no receipt: the consumer invalidates the (now stale) entry.
    expect((await heroes.findById(hero.id))?.name).toBe('Hector, son of Priam');
    await waitFor('cached', async () => (await redis.exists(key(hero.id))) === 1);
    const done = capture.health().changesApplied;
    await db.rawSql('UPDATE "Hero" SET "name" = ? WHERE "id" = ?', ['Hector (raw)', hero.id]);
    await applied(done + 1);
    expect((await heroes.findById(hero.id))?.name).toBe('Hector (raw)');
  });

  // On PostgreSQL a receipted write announces its receipt in its own transaction (a logical decoding message): only
  // such transactions wait for receipts, so a raw write is invalidated at once rather than RECEIPT_WAIT_MS later.
  if (testDatabaseProvider() === 'postgresql')
    it('invalidates a write no writer announced without waiting for a receipt', async () => {
      const saved = capture.health().changesApplied;
      const hero = await heroes.save({
        name: 'Ajax',
        language: Language.Greek,
        gender: Gender.Male,
        description: null,
      });
      await applied(saved + 1);
      expect((await heroes.findById(hero.id))?.name).toBe('Ajax');
      await waitFor('cached', async () => (await redis.exists(key(hero.id))) === 1);
      const started = Date.now();
      await db.rawSql('UPDATE "Hero" SET "name" = ? WHERE "id" = ?', ['Ajax (raw)', hero.id]);
      await waitFor('the raw write invalidated', async () => (await redis.exists(key(hero.id))) === 0);
      expect(Date.now() - started).toBeLessThan(RECEIPT_WAIT_MS / 2);
    });

  // PostgreSQL writers run concurrently: a receipt covers only transactions that had ended before the write's
  // statement (`xmin` of its snapshot), never one still open then, which may commit after the writer's UNLINK.
  if (testDatabaseProvider() === 'postgresql')
    it('invalidates the change of a transaction open during a receipted write and committed after', async () => {
      const before = capture.health().changesApplied;
      const [open, writer] = await Promise.all(
        ['Paris', 'Aeneas'].map((name) =>
          heroes.save({ name, language: Language.Greek, gender: Gender.Male, description: null }),
        ),
      );
      if (!open || !writer) throw new Error('two heroes saved');
      await applied(before + 2);
      const done = capture.health().changesApplied;
      const client = new Client({ connectionString: db.url });
      await client.connect();
      try {
        await client.query('BEGIN');
        await client.query('UPDATE "Hero" SET "name" = $1 WHERE "id" = $2', ['Paris (open)', open.id]);
        await heroes.update(writer.id, { name: 'Aeneas of Troy' }); // its receipt is left beside `hero:all`
        const names = async () => (await heroes.findAll()).map((hero) => hero.name);
        expect(await names()).toContain('Paris'); // cached while the transaction is open
        await waitFor('hero:all cached', async () => (await redis.exists('cache:hero:all')) === 1);
        await client.query('COMMIT');
        await applied(done + 2); // the writer's change, then the open transaction's
        expect(await names()).toContain('Paris (open)');
      } finally {
        await client.end();
      }
    });
});
