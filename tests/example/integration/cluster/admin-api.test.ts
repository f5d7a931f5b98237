import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import type { Cluster, Redis } from 'ioredis';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { loadSettings } from '../../../../example/config/settings';
import { registerDataLayer, TOKENS, type DataLayer } from '../../../../example/container';
import { buildServer, type CacheServer } from '../../../../example/http/server';
import { standaloneView } from '../../support/cluster-cache-fixture';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { startTestRedis, type TestRedis } from '../../support/test-redis';
import { createStudyData, type StudyData } from '../services/support';
import { until } from '../../../support/wait';

const TOKEN = 'test-admin-token-0123456789';

// The application as deployed against a Redis Cluster: the container builds its cache from
// REDIS_CLUSTER_NODES (createCacheService), and the admin HTTP API works on it unchanged:
// health, stats, invalidating one entity or a whole type (every master), warming; a crash
// failover turns health to 503 and back to 200 once the promoted master is validated.
describe('admin HTTP API on a Redis Cluster of 3 masters with a replica each', () => {
  let redis: TestRedis;
  let client: Cluster;
  let raw: Redis;
  let db: TestDatabase;
  let data: StudyData;
  let container: DependencyContainer;
  let layer: DataLayer;
  let server: CacheServer;
  let base: string;

  beforeAll(async () => {
    redis = await startTestRedis('cluster');
    client = (await redis.connect(2000)) as Cluster;
    raw = standaloneView(client);
    db = createTestDatabase();
    data = await createStudyData(db.prisma, 3);
    container = rootContainer.createChildContainer();
    const settings = loadSettings({
      DATABASE_URL: db.url,
      REDIS_CLUSTER_NODES: redis.env.REDIS_CLUSTER_NODES as string,
      CACHE_ADMIN_TOKEN: TOKEN,
      REDIS_BREAKER_PROBE_INTERVAL: '200',
      CACHE_WARMING_USERS: data.user.id,
    });
    expect(settings.redis.clusterNodes?.nodes.length).toBe(3);
    layer = registerDataLayer(container, settings, { prisma: db.prisma });
    expect(await layer.cacheService?.waitUntilReady(10_000)).toBe(true);
    server = await buildServer({ container, settings });
    await server.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await layer?.close();
    client?.disconnect();
    await db?.close();
    await redis?.stop();
  });

  const call = async (
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> }> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };

  it('reports health and stats, invalidates one entity and a whole type, and warms', async () => {
    expect(await call('GET', '/health/cache')).toMatchObject({
      status: 200,
      json: { status: 'healthy', breaker: 'closed', pendingInvalidations: 0 },
    });
    const cards = container.resolve(TOKENS.CardRepository);
    const decks = container.resolve(TOKENS.DeckRepository);
    await cards.findByIds(data.cards.map((card) => card.id));
    expect(await cards.findByIds(data.cards.map((card) => card.id))).toHaveLength(data.cards.length);
    await decks.findById(data.deck.id);
    await decks.findAll();
    const stats = (await call('GET', '/admin/cache/stats')).json as {
      entities: { entityType: string; hits: number; errors: number }[];
    };
    expect(stats.entities.find((entity) => entity.entityType === 'card')).toMatchObject({
      hits: data.cards.length,
      errors: 0,
    });

    expect(await raw.exists(`cache:decks:${data.deck.id}`, 'cache:decks:list')).toBe(2);
    expect((await call('POST', '/admin/cache/invalidate', { entityType: 'deck', id: data.deck.id })).status).toBe(200);
    expect(await raw.exists(`cache:decks:${data.deck.id}`, 'cache:decks:list')).toBe(0);

    const cardKeys = (await raw.keys('cache:card*')).length;
    expect(cardKeys).toBeGreaterThanOrEqual(data.cards.length);
    expect((await call('POST', '/admin/cache/invalidate', { entityType: 'card' })).json).toMatchObject({
      scope: 'all',
    });
    expect(await raw.keys('cache:card*')).toEqual([]);

    await raw.flushall();
    const warmed = await call('POST', '/admin/cache/warm', {});
    expect(warmed.json).toMatchObject({
      timedOut: false,
      warmed: expect.arrayContaining(['decks:list', `user:${data.user.id}:progress`]),
    });
    expect(await raw.exists(`cache:user:${data.user.id}:progress`, 'cache:decks:list')).toBe(2);
  });

  it('turns unhealthy when a master crashes, and healthy once its promoted replica is validated', async () => {
    const failover = (redis.cluster as NonNullable<TestRedis['cluster']>).failover(0, 'crash');
    await until(async () => (await call('GET', '/health/cache')).status === 503, 20_000, 'health 503 after the crash');
    await failover;
    await until(
      async () => (await call('GET', '/health/cache')).status === 200,
      30_000,
      'health 200 after the failover',
    );
    const cards = container.resolve(TOKENS.CardRepository);
    expect(await cards.findByIds(data.cards.map((card) => card.id))).toHaveLength(data.cards.length);
    expect((await call('GET', '/health/cache')).json).toMatchObject({
      breaker: 'closed',
      datasetClears: expect.any(Number),
    });
  });
});
