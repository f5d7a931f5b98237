import type { Deck as DeckRow, Prisma, PrismaClient } from '../../../generated/prisma/client';
import type { CefrLevel, Deck, DeckWithCards } from '../../domain';
import type { DeckRepository } from '../../repositories';
import { cardMapper } from './card-mapper';
import { deckMapper } from './deck-mapper';
import type { OrderBy } from 'cachedrepo/prisma';
import { byCreation, PrismaRepository } from 'cachedrepo/prisma';

const byName: OrderBy = [{ name: 'asc' }, { id: 'asc' }];
const byLevelThenName: OrderBy = [{ level: 'asc' }, ...byName];
const cardsInOrder: OrderBy = [{ orderIndex: 'asc' }, { id: 'asc' }];

export class PrismaDeckRepository
  extends PrismaRepository<Deck, DeckRow, Prisma.TransactionClient>
  implements DeckRepository
{
  constructor(prisma: PrismaClient) {
    super('Deck', prisma, (db) => db.deck, deckMapper, byCreation);
  }

  /** Active decks only, by level (A1 first) then name. */
  override findAll(): Promise<Deck[]> {
    return this.findManyMapped({ isActive: true } satisfies Prisma.DeckWhereInput, byLevelThenName);
  }

  /** Active decks of one level, by name. */
  findByLevel(level: CefrLevel): Promise<Deck[]> {
    return this.findManyMapped({ level, isActive: true } satisfies Prisma.DeckWhereInput, byName);
  }

  /** A deck (active or not) with its cards in `orderIndex` order, or `null`. */
  async findWithCards(id: string): Promise<DeckWithCards | null> {
    const row = await this.prisma.deck.findUnique({
      where: { id },
      include: { cards: { orderBy: cardsInOrder } },
    });
    if (!row) return null;
    const { cards, ...deck } = row;
    return { ...this.mapper.toDomain(deck), cards: cards.map((card) => cardMapper.toDomain(card)) };
  }
}
