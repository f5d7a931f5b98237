import 'reflect-metadata';
import { createCacheService } from 'cachedrepo/settings';
import { registerRepositories, repositoryRegistration, type AnyRepositoryRegistration } from 'cachedrepo/tsyringe';
import { type CacheLogger, type CacheService } from 'cachedrepo';
import { PrismaOutbox } from 'cachedrepo/prisma';
import type { DependencyContainer, InjectionToken } from 'tsyringe';
import type { PrismaClient } from '../generated/prisma/client';
import type { Settings } from './config/settings';
import {
  PrismaCardRepository,
  PrismaChildRepository,
  PrismaDeckRepository,
  PrismaHeroRepository,
  PrismaStoryRepository,
  createPrismaClient,
} from './infrastructure/prisma';
import type { CardRepository, ChildRepository, DeckRepository, HeroRepository, StoryRepository } from './repositories';
import {
  cardCacheStrategy,
  childCacheStrategy,
  deckCacheStrategy,
  heroCacheStrategy,
  storyCacheStrategy,
} from './strategies';
import type { MethodCache } from 'cachedrepo/decorators';
import type { AchievementRepository } from './repositories/achievement-repository';
import type { StudyRepository } from './repositories/study-repository';
import { registerServices, type AchievementService, type ProgressService } from './services';
import type { CacheWarmer } from './warming/cache-warmer';
import { startChangeCapture, type RunningCapture, type StartCaptureOptions } from './capture/start-capture';

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
  /** The method cache of the decorated services (uncached when REDIS_ENABLED=false). */
  MethodCache: Symbol('MethodCache') as InjectionToken<MethodCache>,
  StudyRepository: Symbol('StudyRepository') as InjectionToken<StudyRepository>,
  AchievementRepository: Symbol('AchievementRepository') as InjectionToken<AchievementRepository>,
  ProgressService: Symbol('ProgressService') as InjectionToken<ProgressService>,
  AchievementService: Symbol('AchievementService') as InjectionToken<AchievementService>,
  CacheWarmer: Symbol('CacheWarmer') as InjectionToken<CacheWarmer>,
} as const;

/** One row per entity: its token, plain repository and strategy. Adding an entity is adding a row. */
function registrations(prisma: PrismaClient, settings: Settings): AnyRepositoryRegistration[] {
  const { cache } = settings;
  const negativeTtlSeconds = cache.negativeTtlSeconds;
  return [
    repositoryRegistration({
      entityType: 'hero',
      token: TOKENS.HeroRepository,
      plain: new PrismaHeroRepository(prisma),
      strategy: heroCacheStrategy({ ttlSeconds: cache.heroTtlSeconds, negativeTtlSeconds }),
    }),
    repositoryRegistration({
      entityType: 'child',
      token: TOKENS.ChildRepository,
      plain: new PrismaChildRepository(prisma),
      strategy: childCacheStrategy({ ttlSeconds: cache.childTtlSeconds, negativeTtlSeconds }),
    }),
    repositoryRegistration({
      entityType: 'story',
      token: TOKENS.StoryRepository,
      plain: new PrismaStoryRepository(prisma),
      strategy: storyCacheStrategy({ ttlSeconds: cache.storyTtlSeconds, negativeTtlSeconds }),
    }),
    repositoryRegistration({
      entityType: 'deck',
      token: TOKENS.DeckRepository,
      plain: new PrismaDeckRepository(prisma),
      strategy: deckCacheStrategy({
        listTtlSeconds: cache.deckListTtlSeconds,
        detailTtlSeconds: cache.deckDetailTtlSeconds,
        negativeTtlSeconds,
      }),
    }),
    repositoryRegistration({
      entityType: 'card',
      token: TOKENS.CardRepository,
      plain: new PrismaCardRepository(prisma),
      strategy: cardCacheStrategy({ ttlSeconds: cache.cardTtlSeconds, negativeTtlSeconds }),
    }),
  ];
}

/** What {@link registerDataLayer} may be given instead of building it from settings. */
export interface DataLayerOverrides {
  /** A Prisma client to use instead of one for `settings.databaseUrl`. */
  prisma?: PrismaClient;
  /** A cache service to use instead of one connected to `settings.redis.url`. */
  cacheService?: CacheService;
  logger?: CacheLogger;
  /** More entities of the application, registered like the built-in ones (see REDIS_CACHE.md, section 8). */
  entities?: (prisma: PrismaClient, settings: Settings) => AnyRepositoryRegistration[];
}

/** Handle on what {@link registerDataLayer} created. */
export interface DataLayer {
  /** The cache service, or `null` when caching is disabled. */
  cacheService: CacheService | null;
  /** Entity types served through the cache. */
  cachedEntityTypes: string[];
  /**
   * Starts change capture (REDIS_CACHE.md section 16) on this cache service and database: writes made outside the
   * repositories invalidate their keys too, and so do cascades: deleting a deck deletes its cards (Card -> Deck is
   * ON DELETE CASCADE), whose `cards:{id}` entries only capture clears (without it they are served until their TTL).
   * Call it wherever decks are deleted. Stopped by {@link close}.
   * @returns null when caching is disabled
   * @throws {CaptureSetupError} when the database is not set up for capture
   */
  startCapture(options?: StartCaptureOptions): Promise<RunningCapture | null>;
  /** Stops change capture, and disconnects the Prisma client and Redis connections this function created. */
  close(): Promise<void>;
}

/**
 * Registers the whole data layer on `container`: settings, Prisma client, cache service and
 * one token per repository. With `settings.redis.enabled`, a repository token resolves to a
 * `CachedRepository` around the Prisma repository, unless its entity type is in
 * `settings.cache.disabledEntities`; otherwise to the Prisma repository itself. Callers
 * resolve the same token either way. Repositories are singletons of the container.
 * The services (method cache, progress, achievements, cache warmer) are registered too, on the
 * same cache service (see services/register-services.ts).
 * @throws {ConfigError} when CACHE_DISABLED_ENTITIES names an entity type that is not registered
 */
export function registerDataLayer(
  container: DependencyContainer,
  settings: Settings,
  overrides: DataLayerOverrides = {},
): DataLayer {
  const prisma = overrides.prisma ?? createPrismaClient(settings.databaseUrl);
  const cacheService = settings.redis.enabled
    ? (overrides.cacheService ??
      createCacheService(settings, {
        outbox: new PrismaOutbox(prisma),
        // The admin token is no Redis secret, but no cache log line may show it either.
        secrets: settings.http.adminToken === undefined ? [] : [settings.http.adminToken],
        ...(overrides.logger && { logger: overrides.logger }),
      }))
    : null;
  container.register(TOKENS.Settings, { useValue: settings });
  container.register(TOKENS.PrismaClient, { useValue: prisma });
  if (cacheService) container.register(TOKENS.CacheService, { useValue: cacheService });
  let capture: Promise<RunningCapture> | null = null;
  const startCapture = async (options: StartCaptureOptions = {}): Promise<RunningCapture | null> => {
    if (!cacheService) return null;
    capture ??= startChangeCapture(cacheService, settings.databaseUrl, { logger: overrides.logger, ...options }).catch(
      (error: unknown) => {
        capture = null; // a setup mistake fixed, a later call starts again
        throw error;
      },
    );
    return capture;
  };
  const close = async (): Promise<void> => {
    await (await capture?.catch(() => null))?.stop();
    if (!overrides.cacheService) await cacheService?.close();
    if (!overrides.prisma) await prisma.$disconnect();
  };
  const rows = [...registrations(prisma, settings), ...(overrides.entities?.(prisma, settings) ?? [])];
  try {
    const cachedEntityTypes = registerRepositories(container, cacheService, rows, settings.cache.disabledEntities);
    registerServices(container, TOKENS, { prisma, settings, cacheService });
    return { cacheService, cachedEntityTypes, startCapture, close };
  } catch (error) {
    void close();
    throw error;
  }
}
