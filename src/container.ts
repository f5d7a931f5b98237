import 'reflect-metadata';
import type { DependencyContainer, InjectionToken } from 'tsyringe';
import { CachedRepository } from './cache/cached-repository';
import { CacheService } from './cache/cache-service';
import type { CacheLogger } from './cache/cache-logger';
import type { CacheStrategy } from './cache/cache-strategy';
import { createRedisClient } from './cache/redis-client';
import type { CachedEntityType, Settings } from './config/settings';
import type { Entity } from './domain';
import type { PrismaClient } from '../generated/prisma/client';
import {
  PrismaCardRepository,
  PrismaChildRepository,
  PrismaDeckRepository,
  PrismaHeroRepository,
  PrismaStoryRepository,
  PrismaOutbox,
  createPrismaClient,
} from './infrastructure/prisma';
import type { CardRepository, ChildRepository, DeckRepository, HeroRepository, Repository, StoryRepository } from './repositories';
import { CardCacheStrategy, ChildCacheStrategy, DeckCacheStrategy, HeroCacheStrategy, StoryCacheStrategy } from './strategies';

/** Injection tokens. Resolve a repository by its token; whether it is cached is configuration. */
export const TOKENS = {
  Settings: Symbol('Settings') as InjectionToken<Settings>,
  PrismaClient: Symbol('PrismaClient') as InjectionToken<PrismaClient>,
  CacheService: Symbol('CacheService') as InjectionToken<CacheService>,
  HeroRepository: Symbol('HeroRepository') as InjectionToken<HeroRepository>,
  ChildRepository: Symbol('ChildRepository') as InjectionToken<ChildRepository>,
  StoryRepository: Symbol('StoryRepository') as InjectionToken<StoryRepository>,
  DeckRepository: Symbol('DeckRepository') as InjectionToken<DeckRepository>,
  CardRepository: Symbol('CardRepository') as InjectionToken<CardRepository>,
} as const;

/** One row per entity: how to build its plain repository and its cache strategy. Adding an entity is adding a row. */
interface EntityRegistration<T extends Entity, R extends Repository<T>> {
  entityType: CachedEntityType;
  token: InjectionToken<R>;
  plain: (prisma: PrismaClient) => R;
  strategy: (cache: Settings['cache']) => CacheStrategy<T, R>;
}

function registration<T extends Entity, R extends Repository<T>>(row: EntityRegistration<T, R>): EntityRegistration<T, R> {
  return row;
}

const ENTITIES = [
  registration({
    entityType: 'hero',
    token: TOKENS.HeroRepository,
    plain: (prisma) => new PrismaHeroRepository(prisma),
    strategy: (c) => new HeroCacheStrategy({ ttlSeconds: c.heroTtlSeconds, negativeTtlSeconds: c.negativeTtlSeconds }),
  }),
  registration({
    entityType: 'child',
    token: TOKENS.ChildRepository,
    plain: (prisma) => new PrismaChildRepository(prisma),
    strategy: (c) => new ChildCacheStrategy({ ttlSeconds: c.childTtlSeconds, negativeTtlSeconds: c.negativeTtlSeconds }),
  }),
  registration({
    entityType: 'story',
    token: TOKENS.StoryRepository,
    plain: (prisma) => new PrismaStoryRepository(prisma),
    strategy: (c) => new StoryCacheStrategy({ ttlSeconds: c.storyTtlSeconds, negativeTtlSeconds: c.negativeTtlSeconds }),
  }),
  registration({
    entityType: 'deck',
    token: TOKENS.DeckRepository,
    plain: (prisma) => new PrismaDeckRepository(prisma),
    strategy: (c) =>
      new DeckCacheStrategy({ listTtlSeconds: c.deckListTtlSeconds, detailTtlSeconds: c.deckDetailTtlSeconds, negativeTtlSeconds: c.negativeTtlSeconds }),
  }),
  registration({
    entityType: 'card',
    token: TOKENS.CardRepository,
    plain: (prisma) => new PrismaCardRepository(prisma),
    strategy: (c) => new CardCacheStrategy({ ttlSeconds: c.cardTtlSeconds, negativeTtlSeconds: c.negativeTtlSeconds }),
  }),
];

/** What {@link registerDataLayer} may be given instead of building it from settings. */
export interface DataLayerOverrides {
  /** A Prisma client to use instead of one for `settings.databaseUrl`. */
  prisma?: PrismaClient;
  /** A cache service to use instead of one connected to `settings.redis.url`. */
  cacheService?: CacheService;
  logger?: CacheLogger;
}

/** Handle on what {@link registerDataLayer} created. */
export interface DataLayer {
  /** The cache service, or `null` when caching is disabled. */
  cacheService: CacheService | null;
  /** Entity types served through the cache. */
  cachedEntityTypes: CachedEntityType[];
  /** Disconnects the Prisma client and Redis connections this function created. */
  close(): Promise<void>;
}

/**
 * Registers the whole data layer on `container`: settings, Prisma client, cache service and
 * one token per repository. With `settings.redis.enabled`, a repository token resolves to a
 * {@link CachedRepository} around the Prisma repository, unless its entity type is in
 * `settings.cache.disabledEntities`; otherwise to the Prisma repository itself. Callers
 * resolve the same token either way. Repositories are singletons of the container.
 */
export function registerDataLayer(container: DependencyContainer, settings: Settings, overrides: DataLayerOverrides = {}): DataLayer {
  const prisma = overrides.prisma ?? createPrismaClient(settings.databaseUrl);
  const cacheService = settings.redis.enabled
    ? overrides.cacheService ??
      new CacheService(
        Array.from({ length: settings.redis.maxConnections }, () =>
          createRedisClient({
            url: settings.redis.url,
            password: settings.redis.password,
            username: settings.redis.username,
            connectTimeoutMs: settings.redis.socketTimeoutMs,
            commandTimeoutMs: settings.redis.commandTimeoutMs,
            tlsCaFile: settings.redis.tlsCaFile,
          }),
        ),
        {
          keyPrefix: settings.cache.keyPrefix,
          leaseTtlSeconds: settings.cache.leaseTtlSeconds,
          ...(settings.cache.outboxEnabled && { outbox: new PrismaOutbox(prisma), outboxDelivery: { pollIntervalMs: settings.cache.outboxPollIntervalMs } }),
          maxEntryBytes: settings.cache.maxEntryBytes,
          circuitBreaker: { failureThreshold: settings.redis.breakerFailureThreshold, probeIntervalMs: settings.redis.breakerProbeIntervalMs },
          ...(overrides.logger && { logger: overrides.logger }),
        },
      )
    : null;

  container.register(TOKENS.Settings, { useValue: settings });
  container.register(TOKENS.PrismaClient, { useValue: prisma });
  if (cacheService) container.register(TOKENS.CacheService, { useValue: cacheService });

  const cachedEntityTypes: CachedEntityType[] = [];
  for (const entity of ENTITIES as EntityRegistration<Entity, Repository<Entity>>[]) {
    const plain = entity.plain(prisma);
    const cached = cacheService !== null && !settings.cache.disabledEntities.has(entity.entityType);
    if (cached) cachedEntityTypes.push(entity.entityType);
    const repository = cached ? CachedRepository.wrap(plain, entity.strategy(settings.cache), cacheService) : plain;
    container.register(entity.token, { useValue: repository });
  }

  return {
    cacheService,
    cachedEntityTypes,
    close: async () => {
      if (!overrides.cacheService) await cacheService?.close();
      if (!overrides.prisma) await prisma.$disconnect();
    },
  };
}
