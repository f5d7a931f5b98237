import type { Redis } from 'ioredis';
import { capturedColumns, PostgresChangeSource } from 'cachedrepo/capture';
import { createRedisClient, waitUntilReady } from 'cachedrepo';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';
import {
  startPostgresServer,
  type PostgresServerHandle,
} from '../../example/integration/databases/support/postgres-server';
import { present, seed, startCaptureProcess, waitFor } from './support/harness';
import { captureStrategies } from './support/items';
import { createCaptureDatabase, LOGICAL_DECODING_SETTINGS, runSql, startLogicalPostgres } from './support/postgres';

const tables = capturedColumns(captureStrategies);

/** What `check` (run by `ChangeCapture.start`) throws, or undefined. */
async function setupError(connection: string, options: { slot?: string; createSlot?: boolean } = {}): Promise<unknown> {
  const source = new PostgresChangeSource({ connection, ...options });
  try {
    await source.check(tables);
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await source.close();
  }
}

/** Mistakes in PostgreSQL's setup stop start-up with E_CAPTURE_SETUP and a stable reason; a lost slot is survived. */
describe('PostgreSQL change capture: setup and slot loss', () => {
  let postgres: PostgresServerHandle;

  beforeAll(async () => {
    postgres = await startLogicalPostgres();
  });

  afterAll(() => postgres?.stop());

  it('accepts a database prepared with postgresCaptureSql', async () => {
    expect(await setupError(await createCaptureDatabase(postgres))).toBeUndefined();
  });

  it('names a table that is not REPLICA IDENTITY FULL, then a missing publication', async () => {
    const url = await createCaptureDatabase(postgres, false);
    expect(await setupError(url)).toMatchObject({ code: 'E_CAPTURE_SETUP', reason: 'replica-identity' });
    await runSql(url, 'ALTER TABLE item REPLICA IDENTITY FULL; ALTER TABLE part REPLICA IDENTITY FULL');
    const error = await setupError(url);
    expect(error).toMatchObject({ code: 'E_CAPTURE_SETUP', reason: 'publication' });
    expect((error as Error).message).toMatch(/publication cachedrepo_capture does not exist/);
    await runSql(url, 'CREATE PUBLICATION cachedrepo_capture FOR TABLE item');
    expect(((await setupError(url)) as Error).message).toMatch(/does not publish public\.part/);
  });

  it('names a role without REPLICATION, and a missing slot it may not create', async () => {
    const url = await createCaptureDatabase(postgres);
    await runSql(url, 'CREATE ROLE plain_app LOGIN');
    const plain = url.replace('postgres@', 'plain_app@');
    expect(await setupError(plain)).toMatchObject({ code: 'E_CAPTURE_SETUP', reason: 'permission' });
    expect(await setupError(url, { slot: 'never_created', createSlot: false })).toMatchObject({ reason: 'slot' });
    await runSql(url, `SELECT pg_create_logical_replication_slot('decoded_as_text', 'test_decoding')`);
    expect(await setupError(url, { slot: 'decoded_as_text' })).toMatchObject({ reason: 'slot' });
    await runSql(url, `SELECT pg_drop_replication_slot('decoded_as_text')`);
  });

  it('names wal_level when it is not logical', async () => {
    const plain = await startPostgresServer();
    try {
      const error = await setupError(plain.url('postgres'));
      expect(error).toMatchObject({ code: 'E_CAPTURE_SETUP', reason: 'wal-level' });
      expect((error as Error).message).toMatch(/wal_level = logical \(it is replica\)/);
    } finally {
      await plain.stop();
    }
  });

  it('a slot invalidated by max_slot_wal_keep_size is replaced, the prefix cleared: nothing stale read', async () => {
    // 1 MB WAL segments and at most 1 MB kept for slots: a few MB written while no consumer reads loses the slot.
    const small = await startPostgresServer({
      settings: [...LOGICAL_DECODING_SETTINGS, 'max_slot_wal_keep_size=1MB', 'min_wal_size=2MB', 'max_wal_size=4MB'],
      initdbArgs: ['--wal-segsize=1'],
    });
    const server: RedisServerHandle = await startRedisServer();
    const redis: Redis = createRedisClient({ url: server.url });
    try {
      await waitUntilReady(redis, 5000);
      const url = await createCaptureDatabase(small);
      await runSql(url, `INSERT INTO item VALUES ('a', 'red', 'A')`);
      const source = (): PostgresChangeSource => new PostgresChangeSource({ connection: url, slot: 'kept_small' });
      const first = await startCaptureProcess(server.url, 'lost', source());
      await waitFor('the first start', () => first.capture.health().prefixClears === 1);
      await first.stop();
      await seed(redis, 'lost', ['item:a', 'item:list:red']);
      await runSql(url, `UPDATE item SET name = 'missed' WHERE id = 'a'`);
      await waitFor(
        'the slot invalidated',
        async () => {
          await runSql(
            url,
            `CREATE TABLE IF NOT EXISTS filler (t text); INSERT INTO filler
            SELECT repeat('x', 1000) FROM generate_series(1, 3000); SELECT pg_switch_wal(); CHECKPOINT`,
          );
          const [slot] = await runSql<{ wal_status: string }>(
            url,
            `SELECT wal_status FROM pg_replication_slots WHERE slot_name = 'kept_small'`,
          );
          return slot?.wal_status === 'lost';
        },
        30_000,
      );
      const second = await startCaptureProcess(server.url, 'lost', source());
      try {
        await waitFor('the prefix cleared', () => second.capture.health().prefixClears === 1);
        expect(await present(redis, 'lost', ['item:a', 'item:list:red'])).toEqual([]);
        expect(second.logger.lines.some((line) => /was invalidated/.test(JSON.stringify(line.details)))).toBe(true);
        // The new slot captures from then on.
        await seed(redis, 'lost', ['item:a']);
        await runSql(url, `UPDATE item SET name = 'seen' WHERE id = 'a'`);
        await waitFor('capture resumed', async () => (await present(redis, 'lost', ['item:a'])).length === 0);
        expect(await second.capture.lag()).toMatchObject({ slotStatus: 'reserved' });
      } finally {
        await second.stop();
      }
    } finally {
      redis.disconnect();
      await server.stop();
      await small.stop();
    }
  }, 60_000);
});
