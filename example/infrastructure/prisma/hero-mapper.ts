import type { Hero as HeroRow, Prisma } from '../../../generated/prisma/client';
import { Gender, Language, parseEnum, type Hero } from '../../domain';
import type { EntityChanges, NewEntity } from 'cachedrepo';
import type { RowMapper } from 'cachedrepo/prisma';
import { ifDefined } from 'cachedrepo/prisma';

const language = (value: string): Language => parseEnum(Language, value, 'Hero.language');
const gender = (value: string): Gender => parseEnum(Gender, value, 'Hero.gender');

export const heroMapper: RowMapper<Hero, HeroRow> = {
  toDomain(row: HeroRow): Hero {
    return {
      id: row.id,
      name: row.name,
      language: language(row.language),
      gender: gender(row.gender),
      description: row.description ?? null,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
  },

  toCreateData(input: NewEntity<Hero>): Prisma.HeroCreateInput {
    return {
      id: input.id,
      name: input.name,
      language: language(input.language),
      gender: gender(input.gender),
      description: input.description ?? null,
    };
  },

  toUpdateData(changes: EntityChanges<Hero>): Prisma.HeroUpdateInput {
    return {
      name: changes.name,
      language: ifDefined(changes.language, language),
      gender: ifDefined(changes.gender, gender),
      description: changes.description,
    };
  },
};
