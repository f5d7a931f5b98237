import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { CacheService, createRedisClient } from 'cachedrepo';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';
import type { Redis } from 'ioredis';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { loadSettings } from '../../../../example/config/settings';
import { registerDataLayer, TOKENS, type DataLayer } from '../../../../example/container';
import { buildServer, type CacheServer } from '../../../../example/http/server';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { createStudyData, type StudyData } from '../services/support';
import { parsePrometheusText, sampleValue } from './prometheus-text';
import { until } from '../../../support/wait';

const TOKEN = 'test-admin-token-0123456789';

/** A server listening on a free loopback port, over a container configured from `env`. */
async function serve(
  db: TestDatabase,
  env: Record<string, string>,
): Promise<{ base: string; server: CacheServer; container: DependencyContainer; layer: DataLayer }> {
  const container = rootContainer.createChildContainer();
  const settings = loadSettings({ DATABASE_URL: db.url, ...env });
  const layer = registerDataLayer(container, settings, { prisma: db.prisma });
  await layer.cacheService?.waitUntilReady(5000);
  const server = await buildServer({ container, settings });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  return { base: `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`, server, container, layer };
}

// The admin HTTP API through real HTTP requests, on a real redis-server and database.
describe('admin HTTP API (Fastify)', () => {
  let redisServer: RedisServerHandle;
  let redis: Redis;
  let db: TestDatabase;
  let app: Awaited<ReturnType<typeof serve>>;
  let data: StudyData;

  beforeAll(async () => {
    redisServer = await startRedisServer();
    redis = createRedisClient({ url: redisServer.url });
    redis.on('error', () => undefined);
    db = createTestDatabase();
    data = await createStudyData(db.prisma, 3);
    app = await serve(db, {
      REDIS_URL: redisServer.url,
      CACHE_ADMIN_TOKEN: TOKEN,
      REDIS_BREAKER_PROBE_INTERVAL: '200',
      CACHE_WARMING_USERS: data.user.id,
    });
  });
  afterAll(async () => {
    await app?.server.close();
    await app?.layer.close();
    redis?.disconnect();
    await db?.close();
    await redisServer?.stop();
  });

  const call = async (
    method: 'GET' | 'POST',
    path: string,
    options: { token?: string | null; body?: unknown; raw?: string } = {},
  ) => {
    const headers: Record<string, string> = {};
    const token = options.token === undefined ? TOKEN : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (options.body !== undefined || options.raw !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${app.base}${path}`, {
      method,
      headers,
      ...((options.body !== undefined || options.raw !== undefined) && {
        body: options.raw ?? JSON.stringify(options.body),
      }),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      text,
      json: (): Record<string, unknown> => JSON.parse(text) as Record<string, unknown>,
    };
  };

  it('GET /health/cache: 200 healthy, with the breaker, pending invalidations and Redis latency', async () => {
    const response = await call('GET', '/health/cache', { token: null });
    expect(response.status).toBe(200);
    expect(response.json()).toMatchObject({
      status: 'healthy',
      breaker: 'closed',
      pendingInvalidations: 0,
      redisLatencyMs: expect.any(Number),
    });
  });

  it("keeps CACHE_ADMIN_TOKEN out of the cache service's log, through the service and not the process", async () => {
    const cache = app.layer.cacheService;
    expect(cache?.redactor.secrets).toContain(TOKEN);
    expect(cache?.redactor.redact(`Authorization: Bearer ${TOKEN}`)).toBe('Authorization: Bearer ***');
    // A service the example did not give the token to does not know it: there is no process-wide registry.
    const other = new CacheService(createRedisClient({ url: redisServer.url }), { enabled: false });
    expect(other.redactor.secrets).not.toContain(TOKEN);
    await other.close();
  });

  it('refuses the admin routes without a token, with a wrong one, or with another scheme', async () => {
    for (const path of ['/admin/cache/stats']) {
      const missing = await call('GET', path, { token: null });
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await call('GET', path, { token: 'wrong-token-0123456789' })).status).toBe(401);
      const basic = await fetch(`${app.base}${path}`, {
        headers: { authorization: `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}` },
      });
      expect(basic.status).toBe(401);
      expect((await call('GET', path)).status).toBe(200);
    }
    for (const path of ['/admin/cache/invalidate', '/admin/cache/warm']) {
      expect((await call('POST', path, { token: null, body: { entityType: 'hero' } })).status).toBe(401);
      expect((await call('POST', path, { token: `${TOKEN}x`, body: {} })).status).toBe(401);
    }
  });

  it(
    'GET /admin/cache/stats: hits, misses, errors and hit ratio per entity type and per ' + 'decorated method',
    async () => {
      const progress = app.container.resolve(TOKENS.ProgressService);
      await progress.getProgress(data.user.id);
      await progress.getProgress(data.user.id);
      await app.container.resolve(TOKENS.CardRepository).findById(data.cards[0]!.id);
      const body = (await call('GET', '/admin/cache/stats')).json() as {
        enabled: boolean;
        entities: { entityType: string }[];
        methods: { method: string; hits: number; misses: number; errors: number; hitRatio: number }[];
      };
      expect(body.enabled).toBe(true);
      expect(body.entities.map((entity) => entity.entityType).sort()).toEqual([
        'card',
        'child',
        'deck',
        'hero',
        'story',
      ]);
      expect(body.entities.find((entity) => entity.entityType === 'card')).toMatchObject({
        misses: expect.any(Number),
        hits: expect.any(Number),
        errors: 0,
      });
      expect(body.methods.find((method) => method.method === 'ProgressService.getProgress')).toMatchObject({
        hits: 1,
        misses: 1,
        errors: 0,
        hitRatio: 0.5,
      });
    },
  );

  it('POST /admin/cache/invalidate rejects bad input with 400 and a message naming the problem', async () => {
    const cases: [{ body?: unknown; raw?: string }, RegExp][] = [
      [
        { body: { entityType: 'dragon' } },
        /entityType: expected one of hero, child, story, deck, card, progress, achievements/,
      ],
      [{ body: {} }, /entityType/],
      [{ body: { entityType: 'hero', id: 'has space' } }, /id: expected an id of 1 to 200 printable characters/],
      [{ body: { entityType: 'hero', id: 'x'.repeat(201) } }, /id: expected an id/],
      [{ body: { entityType: 'hero', id: 7 } }, /id:/],
      [{ body: { entityType: 'hero', force: true } }, /unknown field\(s\) force/],
      [{ body: ['hero'] }, /expected object/],
      [{ raw: '{"entityType": "hero"' }, /JSON/],
    ];
    for (const [request, message] of cases) {
      const response = await call('POST', '/admin/cache/invalidate', request);
      expect([response.status, response.json().message]).toEqual([400, expect.stringMatching(message)]);
      expect(response.json().error).toBe('Bad Request');
    }
  });

  it('POST /admin/cache/invalidate removes one entity, one learner, or a whole type', async () => {
    const decks = app.container.resolve(TOKENS.DeckRepository);
    await decks.findById(data.deck.id);
    await decks.findWithCards(data.deck.id);
    await decks.findAll();
    expect(
      await redis.exists(`cache:decks:${data.deck.id}`, `cache:decks:${data.deck.id}:full`, 'cache:decks:list'),
    ).toBe(3);
    const one = await call('POST', '/admin/cache/invalidate', { body: { entityType: 'deck', id: data.deck.id } });
    expect(one.status).toBe(200);
    expect(one.json()).toMatchObject({ entityType: 'deck', id: data.deck.id, scope: 'one' });
    expect(
      await redis.exists(`cache:decks:${data.deck.id}`, `cache:decks:${data.deck.id}:full`, 'cache:decks:list'),
    ).toBe(0);

    const progress = app.container.resolve(TOKENS.ProgressService);
    await Promise.all([
      progress.getProgress(data.user.id),
      progress.getStats(data.user.id),
      progress.getDueCards(data.user.id),
    ]);
    expect(
      (await call('POST', '/admin/cache/invalidate', { body: { entityType: 'progress', id: data.user.id } })).status,
    ).toBe(200);
    expect(
      await redis.exists(...['progress', 'due_cards', 'stats'].map((name) => `cache:user:${data.user.id}:${name}`)),
    ).toBe(0);

    const achievements = app.container.resolve(TOKENS.AchievementService);
    await Promise.all([achievements.getLeaderboard(), achievements.getSummary(data.user.id)]);
    const all = await call('POST', '/admin/cache/invalidate', { body: { entityType: 'achievements' } });
    expect(all.json()).toMatchObject({ entityType: 'achievements', id: null, scope: 'all' });
    expect(
      await redis.exists('cache:achievements:global:leaderboard', `cache:achievements:${data.user.id}:summary`),
    ).toBe(0);
  });

  it('POST /admin/cache/warm warms now and answers with the report; a bad body is a 400', async () => {
    await redis.flushall();
    const response = await call('POST', '/admin/cache/warm', { body: {} });
    expect(response.status).toBe(200);
    const report = response.json() as { warmed: string[]; durationMs: number; timedOut: boolean };
    expect(report.warmed).toEqual(
      expect.arrayContaining(['decks:list', 'achievements:global:leaderboard', `user:${data.user.id}:progress`]),
    );
    expect(report.timedOut).toBe(false);
    expect(await redis.exists(`cache:user:${data.user.id}:progress`, 'cache:decks:list')).toBe(2);
    const explicit = await call('POST', '/admin/cache/warm', { body: { userIds: ['someone'] } });
    expect(explicit.json().warmed).toContain('user:someone:progress');
    const noBody = await fetch(`${app.base}/admin/cache/warm`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(noBody.status).toBe(200);
    const bad = await call('POST', '/admin/cache/warm', { body: { userIds: 'someone' } });
    expect([bad.status, bad.json().message]).toEqual([400, expect.stringMatching(/^userIds: /)]);
  });

  it('GET /metrics is Prometheus text: hits, misses, errors, latency histograms per type, breaker state', async () => {
    await app.container.resolve(TOKENS.HeroRepository).findAll();
    await app.container.resolve(TOKENS.AchievementService).getRecentAchievements();
    const response = await call('GET', '/metrics', { token: null });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const metrics = parsePrometheusText(response.text);
    for (const [name, type] of [
      ['cache_hits_total', 'counter'],
      ['cache_misses_total', 'counter'],
      ['cache_errors_total', 'counter'],
      ['cache_read_duration_seconds', 'histogram'],
      ['cache_breaker_state', 'gauge'],
      ['cache_pending_invalidations', 'gauge'],
    ]) {
      expect([name, metrics.types.get(name as string)]).toEqual([name, type]);
    }
    expect(sampleValue(metrics, 'cache_misses_total', { type: 'hero', source: 'repository' })).toBeGreaterThanOrEqual(
      1,
    );
    expect(
      sampleValue(metrics, 'cache_hits_total', { type: 'ProgressService.getProgress', source: 'method' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sampleValue(metrics, 'cache_read_duration_seconds_count', { type: 'hero', source: 'repository' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sampleValue(metrics, 'cache_read_duration_seconds_count', {
        type: 'AchievementService.getRecentAchievements',
        source: 'method',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(sampleValue(metrics, 'cache_breaker_state', { state: 'closed' })).toBe(1);
    expect(sampleValue(metrics, 'cache_breaker_state', { state: 'open' })).toBe(0);
    // Counters never go down between scrapes.
    const again = parsePrometheusText((await call('GET', '/metrics', { token: null })).text);
    expect(sampleValue(again, 'cache_misses_total', { type: 'hero', source: 'repository' })).toBeGreaterThanOrEqual(
      sampleValue(metrics, 'cache_misses_total', { type: 'hero', source: 'repository' }) as number,
    );
  });

  it('GET /health/cache turns 503 when Redis is killed, and 200 once it is back', async () => {
    redisServer.signal('SIGKILL');
    let last: Record<string, unknown> = {};
    await until(
      async () => {
        const response = await call('GET', '/health/cache', { token: null });
        last = response.json();
        return response.status === 503;
      },
      15_000,
      'health 503 after SIGKILL',
      () => JSON.stringify(last),
    );
    expect(last.status).toBe('degraded');
    expect(last.redisLatencyMs).toBeNull();
    // Reads keep working from the database meanwhile.
    expect((await app.container.resolve(TOKENS.ProgressService).getProgress(data.user.id)).userId).toBe(data.user.id);
    // Failed commands open the breaker, which /metrics shows.
    await until(
      async () => {
        await call('GET', '/health/cache', { token: null });
        const metrics = parsePrometheusText((await call('GET', '/metrics', { token: null })).text);
        return sampleValue(metrics, 'cache_breaker_state', { state: 'open' }) === 1;
      },
      15_000,
      '/metrics to show the breaker open',
    );

    await redisServer.restart();
    await until(
      async () => (await call('GET', '/health/cache', { token: null })).status === 200,
      15_000,
      'health 200 after the restart',
    );
    expect((await call('GET', '/health/cache', { token: null })).json()).toMatchObject({
      status: 'healthy',
      breaker: 'closed',
      pendingInvalidations: 0,
    });
  });
});

describe('admin HTTP API without CACHE_ADMIN_TOKEN, and without a cache', () => {
  let db: TestDatabase;
  let app: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    db = createTestDatabase();
    app = await serve(db, { REDIS_ENABLED: 'false' });
  });
  afterAll(async () => {
    await app?.server.close();
    await app?.layer.close();
    await db?.close();
  });

  it('has no admin routes (404 even with a token), and reports the cache as disabled (200)', async () => {
    for (const [method, path] of [
      ['GET', '/admin/cache/stats'],
      ['POST', '/admin/cache/invalidate'],
      ['POST', '/admin/cache/warm'],
    ] as const) {
      const response = await fetch(`${app.base}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}` } });
      expect([path, response.status]).toEqual([path, 404]);
    }
    const health = await fetch(`${app.base}/health/cache`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'disabled' });
    const metrics = parsePrometheusText(await (await fetch(`${app.base}/metrics`)).text());
    expect(sampleValue(metrics, 'cache_enabled')).toBe(0);
  });
});
