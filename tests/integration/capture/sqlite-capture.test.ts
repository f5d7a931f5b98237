import type { Redis } from 'ioredis';
import {
  capturedColumns,
  installSqliteCapture,
  sqliteCaptureSql,
  SqliteChangeSource,
  triggerName,
  type SqlClient,
} from 'cachedrepo/capture';
import { CaptureSetupError } from '../../../src/errors';
import { createRedisClient, waitUntilReady } from 'cachedrepo';
import { startRedisServer, startTcpProxy, type RedisServerHandle } from 'cachedrepo/testing';
import { present, report, seed, startCaptureProcess, waitFor, type CaptureProcess } from './support/harness';
import { captureStrategies, ITEM_TABLES_SQL } from './support/items';
import { newSqliteFile, openSqlite, sqliteClient, type SqliteDatabase } from './support/sqlite-file';

/**
 * Change capture from SQLite triggers (REDIS_CACHE.md section 16): writes made with plain SQL on a connection of their
 * own, and rows deleted by ON DELETE CASCADE, invalidate the keys they make stale.
 */
describe('SQLite change capture', () => {
  let server: RedisServerHandle;
  let redis: Redis;
  const running: CaptureProcess[] = [];
  const opened: SqliteDatabase[] = [];
  let tests = 0;
  let prefix: string;

  beforeAll(async () => {
    server = await startRedisServer();
    redis = createRedisClient({ url: server.url });
    await waitUntilReady(redis, 5000);
  });

  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  beforeEach(() => {
    tests += 1;
    prefix = `lite${tests}`;
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((process) => process.stop()));
    for (const db of opened.splice(0)) db.close();
  });

  /** A database with the tables, capture installed (unless `install` is false), and a writer's connection. */
  const createDatabase = async (install = true): Promise<{ file: string; writer: SqliteDatabase; sql: SqlClient }> => {
    const file = newSqliteFile();
    const writer = openSqlite(file);
    opened.push(writer);
    for (const statement of ITEM_TABLES_SQL) writer.exec(statement);
    const sql = sqliteClient(writer);
    if (install) await installSqliteCapture(sql, capturedColumns(captureStrategies));
    return { file, writer, sql };
  };

  /** A consumer on a connection of its own to `file`. */
  const start = async (file: string, redisUrl = server.url): Promise<CaptureProcess> => {
    const reader = openSqlite(file);
    opened.push(reader);
    const process = await startCaptureProcess(redisUrl, prefix, new SqliteChangeSource(sqliteClient(reader)));
    running.push(process);
    await waitFor('the consumer lease', () => process.capture.health().reading);
    return process;
  };

  it('invalidates raw INSERT, UPDATE and DELETE from another connection, and empties the change table', async () => {
    const { file, writer } = await createDatabase();
    const process = await start(file);
    const keys = ['item:a', 'item:list:red', 'item:all'];
    const delays: number[] = [];
    for (const sql of [
      `INSERT INTO item VALUES ('a', 'red', 'A')`,
      `UPDATE item SET name = 'A2' WHERE id = 'a'`,
      `DELETE FROM item WHERE id = 'a'`,
    ]) {
      await seed(redis, prefix, [...keys, 'item:list:blue']);
      const started = performance.now();
      writer.exec(sql);
      await waitFor(sql, async () => (await present(redis, prefix, keys)).length === 0);
      delays.push(Math.round(performance.now() - started));
      expect(await present(redis, prefix, ['item:list:blue'])).toEqual(['item:list:blue']);
    }
    report('SQLite raw write (statement run) to keys gone (ms), source polling every 100 ms', delays);
    await waitFor('the change table emptied', async () => (await process.capture.lag()).changes === 0);
    expect(process.capture.health()).toMatchObject({ changesApplied: 3, prefixClears: 0, errors: 0 });
    await waitFor('the lag measured', () => process.capture.health().lag !== null);
    expect(process.capture.health().lag).toMatchObject({ bytes: null });
  });

  it('an UPDATE that moves an item to another list invalidates both lists', async () => {
    const { file, writer } = await createDatabase();
    writer.exec(`INSERT INTO item VALUES ('a', 'red', 'A'), ('b', 'blue', 'B')`);
    const process = await start(file);
    await waitFor('inserts applied', async () => (await process.capture.lag()).changes === 0);
    await seed(redis, prefix, ['item:a', 'item:list:red', 'item:list:green', 'item:list:blue', 'item:b']);
    writer.exec(`UPDATE item SET list = 'green' WHERE id = 'a'`);
    await waitFor(
      'both lists invalidated',
      async () => (await present(redis, prefix, ['item:list:green'])).length === 0,
    );
    expect(
      await present(redis, prefix, ['item:a', 'item:list:red', 'item:list:green', 'item:list:blue', 'item:b']),
    ).toEqual(['item:list:blue', 'item:b']);
  });

  it('one UPDATE of 10,000 rows invalidates every key it made stale', async () => {
    const { file, writer } = await createDatabase();
    writer.exec(`WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 10000)
      INSERT INTO item SELECT 'i' || n, 'l' || (n % 20), 'n' FROM g`);
    const process = await start(file);
    await waitFor('inserts applied', async () => (await process.capture.lag()).changes === 0);
    const keys = [
      ...Array.from({ length: 10_000 }, (_, index) => `item:i${index + 1}`),
      ...Array.from({ length: 20 }, (_, index) => `item:list:l${index}`),
      'item:all',
    ];
    await seed(redis, prefix, [...keys, 'item:list:none']);
    const started = Date.now();
    writer.exec(`UPDATE item SET name = 'renamed'`);
    await waitFor('10,000 rows invalidated', async () => (await present(redis, prefix, keys)).length === 0, 60_000);
    report('SQLite one UPDATE of 10,000 rows to every key gone (ms)', Date.now() - started);
    expect(await present(redis, prefix, ['item:list:none'])).toEqual(['item:list:none']);
    expect(process.capture.health().changesApplied).toBe(20_000);
  });

  it('a cascaded delete invalidates the keys of the rows the database deleted by itself', async () => {
    const { file, writer } = await createDatabase();
    writer.exec(`INSERT INTO item VALUES ('a', 'red', 'A'), ('b', 'red', 'B')`);
    writer.exec(`INSERT INTO part VALUES ('p1', 'a'), ('p2', 'a'), ('p3', 'b')`);
    const process = await start(file);
    await waitFor('inserts applied', async () => (await process.capture.lag()).changes === 0);
    const partKeys = ['part:p1', 'part:p2', 'part:item:a'];
    await seed(redis, prefix, [...partKeys, 'part:p3', 'part:item:b', 'item:a']);
    writer.exec(`DELETE FROM item WHERE id = 'a'`); // part p1 and p2 go with it (ON DELETE CASCADE)
    expect(writer.prepare(`SELECT COUNT(*) AS n FROM part`).all()).toEqual([{ n: 1 }]);
    // The item's own change and its parts' may be applied in different batches: wait for all of them.
    await waitFor('the item and its parts invalidated', async () => {
      return (await present(redis, prefix, [...partKeys, 'item:a'])).length === 0;
    });
    expect(await present(redis, prefix, ['part:p3', 'part:item:b', 'item:a'])).toEqual(['part:p3', 'part:item:b']);
  });

  it('a change whose invalidation cannot reach Redis stays in the change table until it is delivered', async () => {
    const { file, writer } = await createDatabase();
    const proxy = await startTcpProxy(server.port);
    try {
      const process = await start(file, proxy.url);
      await seed(redis, prefix, ['item:a']);
      proxy.pause('drop');
      writer.exec(`INSERT INTO item VALUES ('a', 'red', 'A')`);
      await waitFor('the consumer stops trusting Redis', () => !process.cache.trusted);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await present(redis, prefix, ['item:a'])).toEqual(['item:a']);
      expect(writer.prepare('SELECT "tableName" FROM "CacheChange"').all()).toEqual([{ tableName: 'item' }]);
      proxy.resume();
      await waitFor(
        'delivered once Redis answers',
        async () => (await present(redis, prefix, ['item:a'])).length === 0,
      );
      await waitFor('the row deleted after', async () => (await process.capture.lag()).changes === 0);
    } finally {
      await proxy.close();
    }
  });

  it('refuses to start without the change table or triggers, or with triggers for other columns', async () => {
    const bare = await createDatabase(false);
    const setupError = async (sql: SqlClient): Promise<unknown> =>
      new SqliteChangeSource(sql).check(capturedColumns(captureStrategies)).catch((error: unknown) => error);
    expect(await setupError(bare.sql)).toMatchObject({ code: 'E_CAPTURE_SETUP', reason: 'triggers' });
    await installSqliteCapture(bare.sql, capturedColumns(captureStrategies));
    expect(await setupError(bare.sql)).toBeUndefined();
    // A trigger installed for an older declaration (the list column was not captured) records rows without it.
    const older = new Map([['item', ['id']]]);
    bare.writer.exec(`DROP TRIGGER "${triggerName('item', 'update')}"`);
    bare.writer.exec(
      sqliteCaptureSql(older)
        .split(';\n')
        .filter((s) => s.includes('_update" AFTER'))[0] as string,
    );
    const error = await setupError(bare.sql);
    expect(error).toBeInstanceOf(CaptureSetupError);
    expect((error as Error).message).toMatch(/update trigger of item records other columns/);
  });
});
