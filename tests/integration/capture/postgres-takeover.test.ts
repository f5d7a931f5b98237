import type { Redis } from 'ioredis';
import { Client } from 'pg';
import { PostgresChangeSource } from 'cachedrepo/capture';
import { createRedisClient, waitUntilReady } from 'cachedrepo';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';
import type { PostgresServerHandle } from '../../example/integration/databases/support/postgres-server';
import { createCaptureDatabase, runSql, startLogicalPostgres } from './support/postgres';
import { runTakeover } from './support/takeover';

/**
 * A PostgreSQL consumer killed with SIGKILL while writes go on; another takes over from the slot's confirmed position
 * and skips nothing.
 */
describe('PostgreSQL change capture: a consumer killed, another takes over', () => {
  let postgres: PostgresServerHandle;
  let server: RedisServerHandle;
  let redis: Redis;

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

  it('applies every change: those the killed consumer had not confirmed, and those made while none ran', async () => {
    const url = await createCaptureDatabase(postgres);
    await runSql(url, `INSERT INTO item SELECT 'i' || g, 'l' || (g % 7), 'n' FROM generate_series(0, 1199) g`);
    const writer = new Client({ connectionString: url });
    await writer.connect();
    try {
      const outcome = await runTakeover(
        {
          env: { CAPTURE_SOURCE: 'postgresql', CAPTURE_DATABASE: url, CAPTURE_SLOT: 'takeover' },
          update: async (k) => void (await writer.query(`UPDATE item SET name = 'v2' WHERE id = $1`, [`i${k}`])),
          source: () => new PostgresChangeSource({ connection: url, slot: 'takeover' }),
        },
        redis,
        server.url,
        'takeover',
      );
      try {
        expect(outcome.skipped).toEqual([]);
        expect(outcome.waitingAtTakeover).toBe(400);
        // The slot survived the kill: the new consumer resumed from its confirmed position, with no clearing.
        expect(outcome.consumer.capture.health()).toMatchObject({ consumer: true, errors: 0, prefixClears: 0 });
      } finally {
        await outcome.consumer.stop();
      }
    } finally {
      await writer.end();
    }
  }, 60_000);
});
