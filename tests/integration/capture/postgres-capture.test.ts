import type { Redis } from 'ioredis';
import { Client } from 'pg';
import { PostgresChangeSource } from 'cachedrepo/capture';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';
import { createRedisClient, waitUntilReady } from 'cachedrepo';
import type { PostgresServerHandle } from '../../example/integration/databases/support/postgres-server';
import { present, report, seed, startCaptureProcess, waitFor, type CaptureProcess } from './support/harness';
import { createCaptureDatabase, runSql, startLogicalPostgres } from './support/postgres';

/**
 * Change capture from PostgreSQL's WAL (REDIS_CACHE.md section 16): writes made with plain SQL on connections of their
 * own, never through a repository, invalidate the keys they make stale; a lost slot clears the prefix.
 */
describe('PostgreSQL change capture', () => {
  let postgres: PostgresServerHandle;
  let server: RedisServerHandle;
  let redis: Redis;
  const running: CaptureProcess[] = [];
  let tests = 0;
  let prefix: string;
  let slot: string;

  beforeAll(async () => {
    [postgres, server] = await Promise.all([startLogicalPostgres(), startRedisServer()]);
    redis = createRedisClient({ url: server.url });
    await waitUntilReady(redis, 5000);
  });

  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
    await postgres?.stop();
  });

  beforeEach(() => {
    tests += 1;
    prefix = `pg${tests}`;
    slot = `capture_test_${tests}`;
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((process) => process.stop()));
  });

  const start = async (url: string, options: { slot?: string } = {}): Promise<CaptureProcess> => {
    const source = new PostgresChangeSource({ connection: url, slot: options.slot ?? slot });
    const process = await startCaptureProcess(server.url, prefix, source);
    running.push(process);
    return process;
  };

  /** Starts a consumer and waits until it created its slot and cleared the prefix (a first start). */
  const startFresh = async (url: string): Promise<CaptureProcess> => {
    const process = await start(url);
    await waitFor('the first start clears the prefix', () => process.capture.health().prefixClears === 1);
    return process;
  };

  it('clears the prefix on a first start (not its markers), then invalidates raw INSERT, UPDATE, DELETE', async () => {
    const url = await createCaptureDatabase(postgres);
    await seed(redis, prefix, ['item:a', 'other:1']);
    const process = await startFresh(url);
    expect(await present(redis, prefix, ['item:a', 'other:1', '!dataset'])).toEqual(['!dataset']);
    expect(process.cache.trusted).toBe(true);

    const writes: [string, string[]][] = [
      [`INSERT INTO item VALUES ('a', 'red', 'A')`, ['item:a', 'item:list:red', 'item:all']],
      [`UPDATE item SET name = 'A2' WHERE id = 'a'`, ['item:a', 'item:list:red', 'item:all']],
      [`DELETE FROM item WHERE id = 'a'`, ['item:a', 'item:list:red', 'item:all']],
    ];
    const delays: number[] = [];
    const writer = new Client({ connectionString: url });
    await writer.connect();
    try {
      for (const [sql, keys] of writes) {
        await seed(redis, prefix, [...keys, 'item:list:blue']);
        const started = performance.now();
        await writer.query(sql);
        await waitFor(sql, async () => (await present(redis, prefix, keys)).length === 0);
        delays.push(Math.round(performance.now() - started));
        expect(await present(redis, prefix, ['item:list:blue'])).toEqual(['item:list:blue']);
      }
    } finally {
      await writer.end();
    }
    report('PostgreSQL raw write (statement sent) to keys gone (ms)', delays);
    // The keys are gone once Redis ran the UNLINK; the consumer counts a change when its reply has come back.
    await waitFor('the changes counted', async () => process.capture.health().changesApplied === 3);
    expect(process.capture.health()).toMatchObject({ consumer: true, changesApplied: 3, errors: 0, failedBatches: 0 });
    expect(await process.capture.lag()).toMatchObject({ bytes: 0, slotStatus: 'reserved' });
    // The consumer measures its lag for health() too.
    await waitFor('the lag measured on the slot', () => process.capture.health().lag?.slotStatus === 'reserved');
    expect(process.capture.health().lag).toMatchObject({ bytes: expect.any(Number), changes: null });
  });

  it('a TRUNCATE of a captured table clears the prefix (its rows are not in the WAL)', async () => {
    const url = await createCaptureDatabase(postgres);
    await runSql(url, `INSERT INTO item VALUES ('a', 'red', 'A')`);
    const process = await startFresh(url);
    await seed(redis, prefix, ['item:a', 'other:1']);
    await runSql(url, 'TRUNCATE item CASCADE');
    await waitFor('the prefix cleared', () => process.capture.health().prefixClears === 2);
    expect(await present(redis, prefix, ['item:a', 'other:1'])).toEqual([]);
    expect(process.logger.lines.some((line) => /TRUNCATE of item/.test(JSON.stringify(line.details)))).toBe(true);
  });

  it('an UPDATE that moves an item to another list invalidates both lists', async () => {
    const url = await createCaptureDatabase(postgres);
    await runSql(url, `INSERT INTO item VALUES ('a', 'red', 'A'), ('b', 'blue', 'B')`);
    await startFresh(url);
    await seed(redis, prefix, ['item:a', 'item:list:red', 'item:list:green', 'item:list:blue', 'item:b']);
    await runSql(url, `UPDATE item SET list = 'green' WHERE id = 'a'`);
    await waitFor(
      'both lists invalidated',
      async () => (await present(redis, prefix, ['item:list:green'])).length === 0,
    );
    expect(
      await present(redis, prefix, ['item:a', 'item:list:red', 'item:list:green', 'item:list:blue', 'item:b']),
    ).toEqual(['item:list:blue', 'item:b']);
  });

  it('one UPDATE of 10,000 rows invalidates every key it made stale', async () => {
    const url = await createCaptureDatabase(postgres);
    await runSql(url, `INSERT INTO item SELECT 'i' || g, 'l' || (g % 20), 'n' FROM generate_series(1, 10000) g`);
    const process = await startFresh(url);
    const keys = [
      ...Array.from({ length: 10_000 }, (_, index) => `item:i${index + 1}`),
      ...Array.from({ length: 20 }, (_, index) => `item:list:l${index}`),
      'item:all',
    ];
    await seed(redis, prefix, [...keys, 'item:list:none']);
    const started = Date.now();
    await runSql(url, `UPDATE item SET name = 'renamed'`);
    await waitFor('10,000 rows invalidated', async () => (await present(redis, prefix, keys)).length === 0, 60_000);
    report('PostgreSQL one UPDATE of 10,000 rows to every key gone (ms)', Date.now() - started);
    expect(await present(redis, prefix, keys)).toEqual([]);
    expect(await present(redis, prefix, ['item:list:none'])).toEqual(['item:list:none']);
    expect(process.capture.health().changesApplied).toBe(10_000);
  });

  it('a dropped slot is detected: the prefix is cleared before the cache is trusted, nothing stale read', async () => {
    const url = await createCaptureDatabase(postgres);
    await runSql(url, `INSERT INTO item VALUES ('a', 'red', 'A')`);
    const process = await startFresh(url);
    await seed(redis, prefix, ['item:a', 'item:list:red']);
    // An operator drops the slot (ending the consumer's connection first, as PostgreSQL requires), and a write
    // commits before any slot exists: no WAL consumer will ever see it.
    await waitFor('the slot dropped', async () => {
      await runSql(url, `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1`, [
        slot,
      ]);
      try {
        await runSql(url, 'SELECT pg_drop_replication_slot($1)', [slot]);
        return true;
      } catch {
        return false; // still active for a moment
      }
    });
    await runSql(url, `UPDATE item SET name = 'missed' WHERE id = 'a'`);
    await waitFor('the prefix cleared again', () => process.capture.health().prefixClears === 2);
    expect(await present(redis, prefix, ['item:a', 'item:list:red'])).toEqual([]);
    expect(process.cache.trusted).toBe(true);
    expect(process.logger.lines.some((line) => /did not exist/.test(JSON.stringify(line.details)))).toBe(true);
    // Capture goes on from the new slot.
    await seed(redis, prefix, ['item:a']);
    await runSql(url, `UPDATE item SET name = 'seen' WHERE id = 'a'`);
    await waitFor('capture resumed', async () => (await present(redis, prefix, ['item:a'])).length === 0);
  });

  it('a slot that is not read keeps its changes: a consumer started later applies them all', async () => {
    const url = await createCaptureDatabase(postgres);
    await runSql(url, `INSERT INTO item SELECT 'i' || g, 'red', 'n' FROM generate_series(1, 50) g`);
    const first = await startFresh(url);
    await first.stop();
    running.splice(running.indexOf(first), 1);
    const keys = Array.from({ length: 50 }, (_, index) => `item:i${index + 1}`);
    await seed(redis, prefix, keys);
    for (let index = 1; index <= 50; index += 1) await runSql(url, `UPDATE item SET name = 'x' WHERE id = 'i${index}'`);
    expect(await present(redis, prefix, keys)).toHaveLength(50);
    const lag = Number(
      (
        await runSql<{ bytes: string }>(
          url,
          `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(),
      confirmed_flush_lsn)::text AS bytes FROM pg_replication_slots WHERE slot_name = $1`,
          [slot],
        )
      )[0]?.bytes,
    );
    expect(lag).toBeGreaterThan(0);
    report('PostgreSQL slot lag after 50 unread one-row UPDATEs (bytes)', lag);
    const second = await start(url);
    await waitFor('every waiting change applied', async () => (await present(redis, prefix, keys)).length === 0);
    await waitFor('the changes counted', async () => second.capture.health().changesApplied === 50);
    expect(second.capture.health()).toMatchObject({ changesApplied: 50, prefixClears: 0 });
  });
});
