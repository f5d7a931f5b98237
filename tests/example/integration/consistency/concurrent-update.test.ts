import type { Redis } from 'ioredis';
import { CachedRepository, readBeforeWrite, type AffectedKeysOf, type CacheService } from 'cachedrepo';
import { type EntityChange } from '../../../../src/repository/repository';
import { PrismaOutbox } from 'cachedrepo/prisma';
import type { PrismaClient } from '../../../../generated/prisma/client';
import { Gender, Language, type Hero } from '../../../../example/domain';
import { PrismaHeroRepository } from '../../../../example/infrastructure/prisma';
import { heroCacheStrategy } from '../../../../example/strategies';
import { connectCache, useRedisCache } from '../../../support/cache';
import { useTestDatabase } from '../../support/database';

// The before-image of a cached update over Prisma, with a second writer let in between the
// moment the cached repository asks the base to write and the base's own read of the row
// (tests/integration/repository/before-image.test.ts does the same over memory). The base's
// transactional writes read the row the second writer left, so its language list is invalidated;
// readBeforeWrite read it before, and leaves that list stale until its TTL, as documented.

type HeroChanges = Parameters<PrismaHeroRepository['update']>[1];

/** Prisma heroes whose next update (any kind) first runs a hook: where the second writer gets in. */
class InterleavingHeroes extends PrismaHeroRepository {
  #next: (() => Promise<void>) | null = null;

  beforeNextUpdate(hook: () => Promise<void>): void {
    this.#next = hook;
  }

  override async update(id: string, changes: HeroChanges): Promise<Hero> {
    await this.#interleave();
    return super.update(id, changes);
  }

  override async updateReturningBeforeImage(id: string, changes: HeroChanges): Promise<EntityChange<Hero>> {
    await this.#interleave();
    return super.updateReturningBeforeImage(id, changes);
  }

  override async updateRecorded(
    id: string,
    changes: HeroChanges,
    affected: AffectedKeysOf<Hero>,
  ): Promise<EntityChange<Hero>> {
    await this.#interleave();
    return super.updateRecorded(id, changes, affected);
  }

  async #interleave(): Promise<void> {
    const hook = this.#next;
    this.#next = null;
    await hook?.();
  }
}

const GERMAN_KEY = `cache:hero:lang:${Language.German}`;

describe('a cached update over Prisma with a concurrent writer before its read', () => {
  let redis: Redis;
  let prisma: PrismaClient;
  let withOutbox: CacheService;
  const redisFixture = useRedisCache();
  const dbFixture = useTestDatabase();
  beforeAll(async () => {
    redis = redisFixture.redis;
    prisma = dbFixture.db.prisma;
    // The deliverer never polls during a test: what is invalidated is what the write itself did.
    const outboxDelivery = { pollIntervalMs: 60_000, leaderLeaseMs: 120_000 };
    ({ cache: withOutbox } = await connectCache(redisFixture.server.url, {
      outbox: new PrismaOutbox(prisma),
      outboxDelivery,
    }));
  });
  afterAll(() => withOutbox.close());

  /**
   * An English hero; while `heroes` changes it to Greek, another cached repository moves it to
   * German and a read caches the German list (holding it) after that writer's invalidation.
   * @returns the hero's id
   */
  async function interleave(
    base: InterleavingHeroes,
    heroes: Pick<CachedRepository<Hero>, 'update'>,
    cache: CacheService,
  ): Promise<string> {
    const strategy = heroCacheStrategy({ ttlSeconds: 1 });
    const other = CachedRepository.wrap(new PrismaHeroRepository(prisma), strategy, cache);
    const hero = await other.save({
      name: 'Odysseus',
      language: Language.English,
      gender: Gender.Male,
      description: null,
    });
    base.beforeNextUpdate(async () => {
      await other.update(hero.id, { language: Language.German });
      expect((await other.findByLanguage(Language.German)).map((found) => found.id)).toContain(hero.id);
      expect(await redis.exists(GERMAN_KEY)).toBe(1);
    });
    await heroes.update(hero.id, { language: Language.Greek });
    expect((await base.findById(hero.id))?.language).toBe(Language.Greek);
    return hero.id;
  }

  it.each([
    ['updateReturningBeforeImage, without an outbox', false],
    ['updateRecorded, with an outbox', true],
  ])('%s: the concurrent state’s list is invalidated', async (_, outbox) => {
    const cache = outbox ? withOutbox : redisFixture.cache;
    const base = new InterleavingHeroes(prisma);
    const heroes = CachedRepository.wrap(base, heroCacheStrategy({ ttlSeconds: 1 }), cache);
    const id = await interleave(base, heroes, cache);

    expect(await redis.exists(GERMAN_KEY)).toBe(0);
    expect((await heroes.findByLanguage(Language.German)).map((hero) => hero.id)).not.toContain(id);
    expect((await heroes.findByLanguage(Language.Greek)).map((hero) => hero.id)).toContain(id);
  });

  it('readBeforeWrite: the concurrent state’s list stays stale until its TTL', async () => {
    const base = new InterleavingHeroes(prisma);
    // A Proxy of a class with #private fields: its methods run bound to the instance.
    const heroes = CachedRepository.wrap(
      readBeforeWrite(base),
      heroCacheStrategy({ ttlSeconds: 1 }),
      redisFixture.cache,
    );
    const id = await interleave(base, heroes, redisFixture.cache);

    const german = await heroes.findByLanguage(Language.German);
    expect(german.find((hero) => hero.id === id)?.language).toBe(Language.German);
    expect((await heroes.findById(id))?.language).toBe(Language.Greek);
    expect(await redis.pttl(GERMAN_KEY)).toBeLessThanOrEqual(1000);
    while ((await redis.exists(GERMAN_KEY)) === 1) await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await heroes.findByLanguage(Language.German)).map((hero) => hero.id)).not.toContain(id);
  });
});
