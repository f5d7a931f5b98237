import type { Redis } from 'ioredis';
import { installSqliteCapture, capturedColumns, SqliteChangeSource } from 'cachedrepo/capture';
import { createRedisClient, waitUntilReady } from 'cachedrepo';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';
import { captureStrategies, ITEM_TABLES_SQL } from './support/items';
import { newSqliteFile, openSqlite, sqliteClient, type SqliteDatabase } from './support/sqlite-file';
import { runTakeover } from './support/takeover';

/** A SQLite consumer killed with SIGKILL while writes go on; another takes over and skips nothing. */
describe('SQLite change capture: a consumer killed, another takes over', () => {
  let server: RedisServerHandle;
  let redis: Redis;
  const opened: SqliteDatabase[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
    redis = createRedisClient({ url: server.url });
    await waitUntilReady(redis, 5000);
  });

  afterAll(async () => {
    for (const db of opened) db.close();
    redis?.disconnect();
    await server?.stop();
  });

  it('applies every change: those the killed consumer had read, and those made while none ran', async () => {
    const file = newSqliteFile();
    const writer = openSqlite(file);
    opened.push(writer);
    for (const statement of ITEM_TABLES_SQL) writer.exec(statement);
    await installSqliteCapture(sqliteClient(writer), capturedColumns(captureStrategies));
    writer.exec(`WITH RECURSIVE g(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n < 1199)
      INSERT INTO item SELECT 'i' || n, 'l' || (n % 7), 'n' FROM g`);
    const update = writer.prepare(`UPDATE item SET name = 'v2' WHERE id = ?`);
    const outcome = await runTakeover(
      {
        env: { CAPTURE_SOURCE: 'sqlite', CAPTURE_DATABASE: file },
        update: async (k) => void update.run(`i${k}`),
        source: () => {
          const reader = openSqlite(file);
          opened.push(reader);
          return new SqliteChangeSource(sqliteClient(reader));
        },
      },
      redis,
      server.url,
      'takeover',
    );
    try {
      expect(outcome.skipped).toEqual([]);
      // The writes made while no consumer ran (a third of them) were all waiting when the new one started.
      expect(outcome.waitingAtTakeover).toBe(400);
      expect(outcome.consumer.capture.health()).toMatchObject({ consumer: true, errors: 0 });
    } finally {
      await outcome.consumer.stop();
    }
  }, 60_000);
});
