import type { Card as CardRow, Prisma, PrismaClient } from '../../../generated/prisma/client';
import type { Card } from '../../domain';
import type { CardRepository } from '../../repositories';
import { cardMapper } from './card-mapper';
import type { OrderBy } from 'cachedrepo/prisma';
import { byCreation, PrismaRepository } from 'cachedrepo/prisma';

const inDeckOrder: OrderBy = [{ orderIndex: 'asc' }, { id: 'asc' }];

export class PrismaCardRepository
  extends PrismaRepository<Card, CardRow, Prisma.TransactionClient>
  implements CardRepository
{
  constructor(prisma: PrismaClient) {
    super('Card', prisma, (db) => db.card, cardMapper, byCreation);
  }

  /** Cards of a deck in `orderIndex` order (ties by id). */
  findByDeckId(deckId: string): Promise<Card[]> {
    return this.findManyMapped({ deckId } satisfies Prisma.CardWhereInput, inDeckOrder);
  }
}
