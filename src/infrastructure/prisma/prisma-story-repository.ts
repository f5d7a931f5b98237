import type { Prisma, PrismaClient, Story as StoryRow } from '../../../generated/prisma/client';
import type { Language, Story } from '../../domain';
import type { StoryRepository } from '../../repositories';
import { byCreation } from './prisma-helpers';
import { PrismaRepository } from './prisma-repository';
import { storyMapper } from './story-mapper';

export class PrismaStoryRepository extends PrismaRepository<Story, StoryRow> implements StoryRepository {
  constructor(prisma: PrismaClient) {
    super('Story', prisma, (db) => db.story, storyMapper);
  }

  findByChildId(childId: string): Promise<Story[]> {
    return this.findManyMapped({ childId } satisfies Prisma.StoryWhereInput, byCreation);
  }

  findByLanguage(language: Language): Promise<Story[]> {
    return this.findManyMapped({ language } satisfies Prisma.StoryWhereInput, byCreation);
  }
}
