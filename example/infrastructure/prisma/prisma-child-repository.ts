import type { Child as ChildRow, Prisma, PrismaClient } from '../../../generated/prisma/client';
import type { Child, Gender } from '../../domain';
import type { ChildRepository } from '../../repositories';
import { childMapper } from './child-mapper';
import { byCreation, PrismaRepository } from 'cachedrepo/prisma';

export class PrismaChildRepository
  extends PrismaRepository<Child, ChildRow, Prisma.TransactionClient>
  implements ChildRepository
{
  constructor(prisma: PrismaClient) {
    super('Child', prisma, (db) => db.child, childMapper, byCreation);
  }

  findByName(name: string): Promise<Child[]> {
    return this.findManyMapped({ name } satisfies Prisma.ChildWhereInput, byCreation);
  }

  /** The oldest child with exactly this name, age and gender, or `null`. */
  async findExact(name: string, age: number, gender: Gender): Promise<Child | null> {
    const row = await this.prisma.child.findFirst({ where: { name, age, gender }, orderBy: byCreation });
    return row ? this.mapper.toDomain(row) : null;
  }
}
