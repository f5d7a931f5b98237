import type { Deck as DeckRow, Prisma } from '../../../generated/prisma/client';
import { CefrLevel, parseEnum, type Deck } from '../../domain';
import type { EntityChanges, NewEntity } from 'cachedrepo';
import type { RowMapper } from 'cachedrepo/prisma';
import { ifDefined } from 'cachedrepo/prisma';

const level = (value: string): CefrLevel => parseEnum(CefrLevel, value, 'Deck.level');

export const deckMapper: RowMapper<Deck, DeckRow> = {
  toDomain(row: DeckRow): Deck {
    return {
      id: row.id,
      name: row.name,
      description: row.description ?? null,
      level: level(row.level),
      isActive: row.isActive,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
  },

  toCreateData(input: NewEntity<Deck>): Prisma.DeckCreateInput {
    return {
      id: input.id,
      name: input.name,
      description: input.description ?? null,
      level: level(input.level),
      isActive: input.isActive,
    };
  },

  toUpdateData(changes: EntityChanges<Deck>): Prisma.DeckUpdateInput {
    return {
      name: changes.name,
      description: changes.description,
      level: ifDefined(changes.level, level),
      isActive: changes.isActive,
    };
  },
};
