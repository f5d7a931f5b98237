import type { Child as ChildRow, Prisma } from '../../../generated/prisma/client';
import { DomainValidationError, Gender, parseEnum, type Child } from '../../domain';
import type { EntityChanges, NewEntity } from 'cachedrepo';
import type { RowMapper } from 'cachedrepo/prisma';
import { ifDefined } from 'cachedrepo/prisma';

/** Child.interests is stored as a JSON array of strings. */
export function parseInterests(json: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new DomainValidationError(`Child.interests must be JSON, got ${JSON.stringify(json)}`);
  }
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string')) {
    throw new DomainValidationError(`Child.interests must be an array of strings, got ${json}`);
  }
  return value;
}

function serializeInterests(interests: readonly string[]): string {
  if (!Array.isArray(interests) || !interests.every((item) => typeof item === 'string')) {
    throw new DomainValidationError('Child.interests must be an array of strings');
  }
  return JSON.stringify(interests);
}

const gender = (value: string): Gender => parseEnum(Gender, value, 'Child.gender');

export const childMapper: RowMapper<Child, ChildRow> = {
  toDomain(row: ChildRow): Child {
    return {
      id: row.id,
      name: row.name,
      age: row.age,
      gender: gender(row.gender),
      interests: parseInterests(row.interests),
      createdAt: row.createdAt,
    };
  },

  toCreateData(input: NewEntity<Child>): Prisma.ChildCreateInput {
    return {
      id: input.id,
      name: input.name,
      age: input.age,
      gender: gender(input.gender),
      interests: serializeInterests(input.interests),
    };
  },

  toUpdateData(changes: EntityChanges<Child>): Prisma.ChildUpdateInput {
    return {
      name: changes.name,
      age: changes.age,
      gender: ifDefined(changes.gender, gender),
      interests: ifDefined(changes.interests, serializeInterests),
    };
  },
};
