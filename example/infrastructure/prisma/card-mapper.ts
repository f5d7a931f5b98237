import type { Card as CardRow, Prisma } from '../../../generated/prisma/client';
import type { Card } from '../../domain';
import type { EntityChanges, NewEntity } from 'cachedrepo';
import type { RowMapper } from 'cachedrepo/prisma';

export const cardMapper: RowMapper<Card, CardRow> = {
  toDomain(row: CardRow): Card {
    return {
      id: row.id,
      deckId: row.deckId,
      front: row.front,
      back: row.back,
      example: row.example ?? null,
      orderIndex: row.orderIndex,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
  },

  toCreateData(input: NewEntity<Card>): Prisma.CardUncheckedCreateInput {
    return {
      id: input.id,
      deckId: input.deckId,
      front: input.front,
      back: input.back,
      example: input.example ?? null,
      orderIndex: input.orderIndex,
    };
  },

  toUpdateData(changes: EntityChanges<Card>): Prisma.CardUncheckedUpdateInput {
    return {
      deckId: changes.deckId,
      front: changes.front,
      back: changes.back,
      example: changes.example,
      orderIndex: changes.orderIndex,
    };
  },
};
