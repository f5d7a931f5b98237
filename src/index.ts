/**
 * prisma-redis-cache: repositories over Prisma, transparently cached in Redis.
 * The public API; see REDIS_CACHE.md for the guide.
 */
export * from './domain';
export * from './repositories';
export * from './config';
export * from './cache';
export * from './strategies';
export { registerDataLayer, TOKENS, type DataLayer, type DataLayerOverrides } from './container';
export {
  PrismaHeroRepository,
  PrismaChildRepository,
  PrismaStoryRepository,
  PrismaDeckRepository,
  PrismaCardRepository,
  createPrismaClient,
  migrateDatabase,
  seedDatabase,
} from './infrastructure/prisma';
