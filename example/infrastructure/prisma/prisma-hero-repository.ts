import type { Hero as HeroRow, Prisma, PrismaClient } from '../../../generated/prisma/client';
import type { Hero, Language } from '../../domain';
import type { HeroRepository } from '../../repositories';
import { heroMapper } from './hero-mapper';
import { byCreation, PrismaRepository } from 'cachedrepo/prisma';

export class PrismaHeroRepository
  extends PrismaRepository<Hero, HeroRow, Prisma.TransactionClient>
  implements HeroRepository
{
  constructor(prisma: PrismaClient) {
    super('Hero', prisma, (db) => db.hero, heroMapper, byCreation);
  }

  findByLanguage(language: Language): Promise<Hero[]> {
    return this.findManyMapped({ language } satisfies Prisma.HeroWhereInput, byCreation);
  }

  findByName(name: string): Promise<Hero[]> {
    return this.findManyMapped({ name } satisfies Prisma.HeroWhereInput, byCreation);
  }
}
