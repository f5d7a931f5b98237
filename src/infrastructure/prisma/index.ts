export { createPrismaClient, databaseFilePath, migrateDatabase, projectRoot } from './database';
export { PrismaHeroRepository } from './prisma-hero-repository';
export { PrismaChildRepository } from './prisma-child-repository';
export { PrismaStoryRepository } from './prisma-story-repository';
export { PrismaDeckRepository } from './prisma-deck-repository';
export { PrismaCardRepository } from './prisma-card-repository';
export { PrismaRepository, type ModelDelegate, type RowMapper } from './prisma-repository';
export { isRecordNotFound, orderByIds } from './prisma-helpers';
export { seedDatabase, type SeedOptions, type SeedRepositories, type SeedSummary } from './seed';
