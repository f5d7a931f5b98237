/**
 * The example application of @cachedrepo/core: five entities over Prisma, their cache
 * strategies, and the container that serves each repository token cached or plain.
 */
export * from './domain';
export * from './repositories';
export * from './config';
export * from './strategies';
export { registerDataLayer, TOKENS, type DataLayer, type DataLayerOverrides } from './container';
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
