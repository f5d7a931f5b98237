import type { Hero as HeroRow, Prisma } from '../../../generated/prisma/client';
import { Gender, Language, parseEnum, type EntityChanges, type Hero, type NewEntity } from '../../domain';
import type { RowMapper } from './prisma-repository';
import { ifDefined } from './prisma-helpers';

export const heroMapper: RowMapper<Hero, HeroRow> = {
  toDomain(row: HeroRow): Hero {
    return {
      id: row.id,
      name: row.name,
      language: parseEnum(Language, row.language, 'Hero.language'),
      gender: parseEnum(Gender, row.gender, 'Hero.gender'),
      description: row.description ?? null,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
  },

  toCreateData(input: NewEntity<Hero>): Prisma.HeroCreateInput {
    return {
      id: input.id,
      name: input.name,
      language: parseEnum(Language, input.language, 'Hero.language'),
      gender: parseEnum(Gender, input.gender, 'Hero.gender'),
      description: input.description ?? null,
    };
  },

  toUpdateData(changes: EntityChanges<Hero>): Prisma.HeroUpdateInput {
    return {
      name: changes.name,
      language: ifDefined(changes.language, (language) => parseEnum(Language, language, 'Hero.language')),
      gender: ifDefined(changes.gender, (gender) => parseEnum(Gender, gender, 'Hero.gender')),
      description: changes.description,
    };
  },
};
