import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { loadSettings } from '../../../../../example/config/settings';
import { registerDataLayer, TOKENS, type DataLayer } from '../../../../../example/container';
import { buildServer, type CacheServer } from '../../../../../example/http/server';
import { createTestDatabase, type TestDatabase } from '../../../support/database';
import { createStudyData, type StudyData } from '../../services/support';

/** The admin token of the servers these helpers start. */
export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/** A running admin server over its own redis-server and database, with every gauge and counter it can export. */
export interface RunningAdminServer {
  base: string;
  server: CacheServer;
  container: DependencyContainer;
  layer: DataLayer;
  data: StudyData;
  redis: RedisServerHandle;
  stop(): Promise<void>;
}

/**
 * Starts the example's admin server on a free loopback port with the consistency auditor (every hit), the near caches
 * and the outbox on, so that `/metrics` exports every family (plus `env`).
 */
export async function startAdminServer(env: Record<string, string> = {}): Promise<RunningAdminServer> {
  const redis = await startRedisServer();
  const db: TestDatabase = createTestDatabase();
  const data = await createStudyData(db.prisma, 5);
  const container = rootContainer.createChildContainer();
  const settings = loadSettings({
    DATABASE_URL: db.url,
    REDIS_URL: redis.url,
    CACHE_ADMIN_TOKEN: ADMIN_TOKEN,
    CACHE_AUDIT_SAMPLE_RATE: '1',
    CACHE_NEAR_CACHE_ENABLED: 'true',
    ...env,
  });
  const layer = registerDataLayer(container, settings, { prisma: db.prisma });
  await layer.cacheService?.waitUntilReady(5000);
  const server = await buildServer({ container, settings });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  return {
    base: `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`,
    server,
    container,
    layer,
    data,
    redis,
    stop: async () => {
      await server.close();
      await layer.close();
      await db.close();
      await redis.stop();
    },
  };
}

/** Reads and writes through the server's repositories and services, so that every counter moves. */
export async function runTraffic(app: RunningAdminServer, rounds = 3): Promise<void> {
  const cards = app.container.resolve(TOKENS.CardRepository);
  const decks = app.container.resolve(TOKENS.DeckRepository);
  const progress = app.container.resolve(TOKENS.ProgressService);
  for (let round = 0; round < rounds; round += 1) {
    for (const card of app.data.cards) await cards.findById(card.id);
    await cards.findByIds(app.data.cards.map((card) => card.id));
    await decks.findAll();
    await progress.getProgress(app.data.user.id);
    const card = app.data.cards[round % app.data.cards.length]!;
    await cards.update(card.id, { back: `answer ${round} ${Date.now()}` });
  }
}
