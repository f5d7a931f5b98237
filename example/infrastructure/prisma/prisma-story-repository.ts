import type { Prisma, PrismaClient, Story as StoryRow } from '../../../generated/prisma/client';
import type { Language, Story } from '../../domain';
import type { StoryRepository } from '../../repositories';
import { byCreation, PrismaRepository } from 'cachedrepo/prisma';
import { storyMapper } from './story-mapper';

export class PrismaStoryRepository
  extends PrismaRepository<Story, StoryRow, Prisma.TransactionClient>
  implements StoryRepository
{
  constructor(prisma: PrismaClient) {
    super('Story', prisma, (db) => db.story, storyMapper, byCreation);
  }

  findByChildId(childId: string): Promise<Story[]> {
    return this.findManyMapped({ childId } satisfies Prisma.StoryWhereInput, byCreation);
  }

  findByLanguage(language: Language): Promise<Story[]> {
    return this.findManyMapped({ language } satisfies Prisma.StoryWhereInput, byCreation);
  }
}
