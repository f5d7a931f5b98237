/**
 * The example application of cachedrepo: five entities over Prisma, their cache
 * strategies, and the container that serves each repository token cached or plain.
 */
export * from './domain';
export * from './repositories';
export * from './config';
export * from './strategies';
export { registerDataLayer, TOKENS, type DataLayer, type DataLayerOverrides } from './container';
export * from './services';
export type {
  User,
  CardSchedule,
  ScheduleUpdate,
  ReviewRecord,
  NewReview,
  StudyRepository,
} from './repositories/study-repository';
export type {
  AchievementAward,
  LeaderboardRow,
  RecentAward,
  AchievementRepository,
} from './repositories/achievement-repository';
export { PrismaStudyRepository } from './infrastructure/prisma/prisma-study-repository';
export { PrismaAchievementRepository } from './infrastructure/prisma/prisma-achievement-repository';
export { seedStudyData, type StudySeedRepositories, type StudySeedSummary } from './infrastructure/prisma/seed-study';
export { CacheWarmer, type CacheWarmerOptions, type WarmSources } from './warming/cache-warmer';
export { warmInBatches, type WarmTask, type WarmReport, type BatchOptions } from './warming/batch-warmer';
export {
  PrismaHeroRepository,
  PrismaChildRepository,
  PrismaStoryRepository,
  PrismaDeckRepository,
  PrismaCardRepository,
  createPrismaClient,
  databaseFilePath,
  migrateDatabase,
  seedDatabase,
  type SeedSummary,
} from './infrastructure/prisma';
