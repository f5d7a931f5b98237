import 'reflect-metadata';
import type { Redis } from 'ioredis';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { CachedRepository, isCached } from 'cachedrepo';
import { ConfigError } from '../../../src/errors';
import { loadSettings } from '../../../example/config/settings';
import { registerDataLayer, TOKENS, type DataLayer } from '../../../example/container';
import { Gender, Language } from '../../../example/domain';
import { PrismaHeroRepository, PrismaStoryRepository } from '../../../example/infrastructure/prisma';
import { connectCache } from '../../support/cache';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';

/** Application code: it resolves a token and never knows whether the repository is cached. */
async function heroNamesIn(container: DependencyContainer, language: Language): Promise<string[]> {
  const heroes = container.resolve(TOKENS.HeroRepository);
  return (await heroes.findByLanguage(language)).map((hero) => hero.name);
}

describe('registerDataLayer swaps cached and plain repositories by configuration', () => {
  let server: RedisServerHandle;
  let redis: Redis;
  let db: TestDatabase;
  const layers: DataLayer[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
    ({ redis } = await connectCache(server.url));
    db = createTestDatabase();
    await new PrismaHeroRepository(db.prisma).save({
      name: 'Odysseus',
      language: Language.Greek,
      gender: Gender.Male,
      description: null,
    });
  });
  // Each test's layers are closed after it: a layer left running (its outbox deliverer renews a
  // lease key every 100 ms) would write into the next test's Redis.
  afterEach(async () => {
    for (const layer of layers.splice(0)) await layer.close();
  });
  afterAll(async () => {
    redis.disconnect();
    await db.close();
    await server.stop();
  });
  beforeEach(() => redis.flushall());

  function layer(env: Record<string, string>): DependencyContainer {
    const container = rootContainer.createChildContainer();
    layers.push(
      registerDataLayer(container, loadSettings({ REDIS_URL: server.url, DATABASE_URL: db.url, ...env }), {
        prisma: db.prisma,
      }),
    );
    return container;
  }

  it('with caching enabled, the token resolves to a cached repository that fills Redis', async () => {
    const container = layer({ REDIS_ENABLED: 'true' });
    expect(container.resolve(TOKENS.HeroRepository)).toBeInstanceOf(CachedRepository);
    expect(await container.resolve(TOKENS.CacheService).waitUntilReady(3000)).toBe(true);
    expect(await heroNamesIn(container, Language.Greek)).toEqual(['Odysseus']);
    expect(await redis.exists('cache:hero:lang:el')).toBe(1);
    expect(container.resolve(TOKENS.HeroRepository)).toBe(container.resolve(TOKENS.HeroRepository));
  });

  it('with caching disabled, the same code gets the Prisma repository and Redis stays empty', async () => {
    const container = layer({ REDIS_ENABLED: 'false' });
    expect(container.resolve(TOKENS.HeroRepository)).toBeInstanceOf(PrismaHeroRepository);
    expect(await heroNamesIn(container, Language.Greek)).toEqual(['Odysseus']);
    expect(await redis.dbsize()).toBe(0);
  });

  it('opens REDIS_MAX_CONNECTIONS connections and spreads commands over them', async () => {
    const libraryConnections = async (): Promise<number> =>
      ((await redis.client('LIST')) as string).split('\n').filter((line) => line.includes('name=cachedrepo')).length;
    const before = await libraryConnections();
    const container = layer({ REDIS_MAX_CONNECTIONS: '3', CACHE_KEY_PREFIX: 'pool' });
    expect(await container.resolve(TOKENS.CacheService).waitUntilReady(3000)).toBe(true);
    expect((await libraryConnections()) - before).toBe(3);
    for (let i = 0; i < 3; i += 1) expect(await heroNamesIn(container, Language.Greek)).toEqual(['Odysseus']);
    expect(await redis.exists('pool:hero:lang:el')).toBe(1);
    const heroes = container.resolve(TOKENS.HeroRepository);
    // isCached types the resolved repository as cached, without a cast.
    if (!isCached(heroes)) throw new Error('expected a cached repository');
    expect(heroes.getCacheStats()).toMatchObject({ hits: 2, misses: 1, errors: 0 });
  });

  it('can leave single entity types uncached', async () => {
    const container = layer({ CACHE_DISABLED_ENTITIES: 'story', CACHE_KEY_PREFIX: 'app2' });
    expect(container.resolve(TOKENS.StoryRepository)).toBeInstanceOf(PrismaStoryRepository);
    expect(container.resolve(TOKENS.DeckRepository)).toBeInstanceOf(CachedRepository);
    expect(await container.resolve(TOKENS.CacheService).waitUntilReady(3000)).toBe(true);
    await heroNamesIn(container, Language.Greek);
    expect(await redis.exists('app2:hero:lang:el')).toBe(1);
    expect(isCached(container.resolve(TOKENS.StoryRepository))).toBe(false);
  });

  it('refuses CACHE_DISABLED_ENTITIES naming an entity type that is not registered', () => {
    const settings = loadSettings({
      REDIS_URL: server.url,
      DATABASE_URL: db.url,
      CACHE_DISABLED_ENTITIES: 'hero,book',
    });
    const attempt = (): unknown =>
      registerDataLayer(rootContainer.createChildContainer(), settings, { prisma: db.prisma });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(
      /CACHE_DISABLED_ENTITIES=.*expected a comma-separated list of hero, child, story, deck, card/,
    );
  });
});
