import 'reflect-metadata';
import { MethodCache } from 'cachedrepo/decorators';
import { type CacheService } from 'cachedrepo';
import { instanceCachingFactory, type DependencyContainer, type InjectionToken } from 'tsyringe';
import type { PrismaClient } from '../../generated/prisma/client';
import type { Settings } from '../config/settings';
import { PrismaAchievementRepository } from '../infrastructure/prisma/prisma-achievement-repository';
import { PrismaStudyRepository } from '../infrastructure/prisma/prisma-study-repository';
import type { CardRepository, DeckRepository } from '../repositories';
import type { AchievementRepository } from '../repositories/achievement-repository';
import type { StudyRepository } from '../repositories/study-repository';
import { CacheWarmer } from '../warming/cache-warmer';
import { AchievementService } from './achievements/achievement-service';
import { DUE_CARDS_METHOD, ProgressService } from './progress/progress-service';

/**
 * The tokens {@link registerServices} fills and reads (the container's TOKENS; passed in, so this module never imports
 * the container).
 */
export interface ServiceTokens {
  MethodCache: InjectionToken<MethodCache>;
  StudyRepository: InjectionToken<StudyRepository>;
  AchievementRepository: InjectionToken<AchievementRepository>;
  ProgressService: InjectionToken<ProgressService>;
  AchievementService: InjectionToken<AchievementService>;
  CacheWarmer: InjectionToken<CacheWarmer>;
  CardRepository: InjectionToken<CardRepository>;
  DeckRepository: InjectionToken<DeckRepository>;
}

/** TTLs of the decorated methods from configuration (CACHE_*_TTL), by method name, in seconds. */
export function serviceTtls(settings: Settings): Record<string, number> {
  const { cache } = settings;
  return {
    'ProgressService.getProgress': cache.progressTtlSeconds,
    [DUE_CARDS_METHOD]: cache.dueCardsTtlSeconds,
    'ProgressService.getStats': cache.userStatsTtlSeconds,
    'AchievementService.getUserAchievements': cache.achievementsTtlSeconds,
    'AchievementService.getSummary': cache.achievementsTtlSeconds,
    'AchievementService.getStats': cache.achievementsTtlSeconds,
    'AchievementService.getLeaderboard': cache.leaderboardTtlSeconds,
    'AchievementService.getRecentAchievements': cache.recentAchievementsTtlSeconds,
  };
}

/**
 * Registers the services of the application on `container`, next to its repositories: the
 * container's {@link MethodCache} (on `cacheService`, or uncached when it is null), the study
 * and achievement repositories, the progress and achievement services and the cache warmer.
 * Services are singletons of the container, built on first resolve from its repository tokens,
 * so they get the cached or plain repositories the configuration chose.
 * @returns the method cache
 */
export function registerServices(
  container: DependencyContainer,
  tokens: ServiceTokens,
  deps: { prisma: PrismaClient; settings: Settings; cacheService: CacheService | null },
): MethodCache {
  const { prisma, settings, cacheService } = deps;
  const methodCache = new MethodCache(cacheService, {
    defaultTtlSeconds: settings.cache.defaultTtlSeconds,
    ttlSeconds: serviceTtls(settings),
  });
  container.register(tokens.MethodCache, { useValue: methodCache });
  container.register(tokens.StudyRepository, { useValue: new PrismaStudyRepository(prisma) });
  container.register(tokens.AchievementRepository, { useValue: new PrismaAchievementRepository(prisma) });
  container.register(tokens.ProgressService, {
    useFactory: instanceCachingFactory(
      (c) =>
        new ProgressService(
          c.resolve(tokens.MethodCache),
          c.resolve(tokens.StudyRepository),
          c.resolve(tokens.CardRepository),
        ),
    ),
  });
  container.register(tokens.AchievementService, {
    useFactory: instanceCachingFactory(
      (c) =>
        new AchievementService(
          c.resolve(tokens.MethodCache),
          c.resolve(tokens.AchievementRepository),
          c.resolve(tokens.StudyRepository),
        ),
    ),
  });
  container.register(tokens.CacheWarmer, {
    useFactory: instanceCachingFactory(
      (c) =>
        new CacheWarmer(
          {
            decks: c.resolve(tokens.DeckRepository),
            progress: c.resolve(tokens.ProgressService),
            achievements: c.resolve(tokens.AchievementService),
            methodCache: c.resolve(tokens.MethodCache),
          },
          {
            batchSize: settings.warming.batchSize,
            timeoutMs: settings.warming.timeoutMs,
            userIds: settings.warming.userIds,
          },
        ),
    ),
  });
  return methodCache;
}
