import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { createRedisClient } from 'cachedrepo';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';
import type { Redis } from 'ioredis';
import { container as rootContainer } from 'tsyringe';
import { loadSettings } from '../../../../example/config/settings';
import { registerDataLayer, TOKENS, type DataLayer } from '../../../../example/container';
import { buildServer, type CacheServer } from '../../../../example/http/server';
import { cardCacheStrategy } from '../../../../example/strategies';
import { cardKeys } from '../../../../example/strategies/key-schemas';
import { encodeEntry } from '../../../../src/protocol/entry-codec';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { createStudyData, type StudyData } from '../services/support';
import { parsePrometheusText, sampleValue } from './prometheus-text';
import { until } from '../../../support/wait';

const TOKEN = 'test-admin-token-0123456789';

// The consistency auditor of the example, on with CACHE_AUDIT_SAMPLE_RATE=1, seen through real HTTP requests: a stale
// card planted behind the cache's back shows in /admin/cache/stats, /health/cache and /metrics once re-checked.
describe('consistency auditor in the admin HTTP API', () => {
  let redisServer: RedisServerHandle;
  let redis: Redis;
  let db: TestDatabase;
  let data: StudyData;
  let layer: DataLayer;
  let server: CacheServer;
  let base: string;

  beforeAll(async () => {
    redisServer = await startRedisServer();
    redis = createRedisClient({ url: redisServer.url });
    db = createTestDatabase();
    data = await createStudyData(db.prisma, 3);
    const container = rootContainer.createChildContainer();
    const settings = loadSettings({
      DATABASE_URL: db.url,
      REDIS_URL: redisServer.url,
      CACHE_ADMIN_TOKEN: TOKEN,
      CACHE_AUDIT_SAMPLE_RATE: '1',
    });
    layer = registerDataLayer(container, settings, { prisma: db.prisma });
    await layer.cacheService?.waitUntilReady(5000);
    server = await buildServer({ container, settings });
    await server.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
    // A hit of a stale card: the entry holds an old front, written with a plain SET (no lease, no invalidation).
    const card = data.cards[0]!;
    const key = cardKeys.byId({ id: card.id });
    const stale = { ...(await container.resolve(TOKENS.CardRepository).findById(card.id))!, front: 'stale front' };
    await redis.set(`cache:${key}`, encodeEntry(key, stale, cardCacheStrategy().serializer), 'EX', 300);
    expect((await container.resolve(TOKENS.CardRepository).findById(card.id))?.front).toBe('stale front');
    await until(() => (layer.cacheService?.health().audit?.mismatches ?? 0) > 0, 10_000, 'the audit to confirm it');
  });
  afterAll(async () => {
    await server?.close();
    await layer?.close();
    redis?.disconnect();
    await db?.close();
    await redisServer?.stop();
  });

  const get = async (path: string) => {
    const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    return { status: response.status, text: await response.text() };
  };

  it('GET /admin/cache/stats reports what the auditor checked and found', async () => {
    const body = JSON.parse((await get('/admin/cache/stats')).text) as {
      audit: { sampleRate: number; checked: number; mismatches: number; inconsistencyRatio: number };
    };
    expect(body.audit).toMatchObject({ sampleRate: 1, mismatches: 1 });
    expect(body.audit.checked).toBeGreaterThanOrEqual(1);
    expect(body.audit.inconsistencyRatio).toBeCloseTo(1 / body.audit.checked, 10);
  });

  it('GET /health/cache carries the audit, and a mismatch does not make the cache degraded', async () => {
    const response = await get('/health/cache');
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toMatchObject({ status: 'healthy', audit: { mismatches: 1 } });
  });

  it('GET /metrics exports the audit counters per entity type and the inconsistency ratio', async () => {
    const metrics = parsePrometheusText((await get('/metrics')).text);
    expect(metrics.types.get('cache_audit_mismatches_total')).toBe('counter');
    expect(sampleValue(metrics, 'cache_audit_mismatches_total', { type: 'card' })).toBe(1);
    expect(sampleValue(metrics, 'cache_audit_checks_total', { type: 'card' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(metrics, 'cache_audit_inconsistency_ratio')).toBeGreaterThan(0);
    expect(sampleValue(metrics, 'cache_audit_sample_rate')).toBe(1);
    expect(sampleValue(metrics, 'cache_near_cache_tracking', { state: 'off' })).toBe(1);
    expect(sampleValue(metrics, 'cache_outbox_backlog')).toBe(0);
    expect(sampleValue(metrics, 'cache_dataset_clears_total')).toBeGreaterThanOrEqual(0);
  });
});
