import type { AnyEntity } from 'cachedrepo/ids';
import type { RowMapper } from 'cachedrepo/prisma';

/**
 * Row mappers of the blog: its rows are its entities (same fields, same types), except that a composite id is an
 * object of the row's key columns. No enum or value object to parse, so one mapper of each kind serves every model.
 */

/** A model whose row is the entity (an Int `id` column). */
export function sameShape<T extends AnyEntity, Row extends object>(): RowMapper<T, Row> {
  return {
    toDomain: (row) => ({ ...row }) as unknown as T,
    toCreateData: (input) => ({ ...input }),
    toUpdateData: (changes) => ({ ...changes }),
  };
}

/** A model with a composite `@@id` over `fields`: the entity's `id` is those columns, the row has them flat. */
export function compositeShape<T extends AnyEntity, Row extends object>(fields: readonly string[]): RowMapper<T, Row> {
  return {
    toDomain: (row) => {
      const flat = row as Record<string, unknown>;
      const id = Object.fromEntries(fields.map((field) => [field, flat[field]]));
      const rest = Object.fromEntries(Object.entries(flat).filter(([field]) => !fields.includes(field)));
      return { id, ...rest } as unknown as T;
    },
    toCreateData: (input) => {
      const { id, ...rest } = input as { id: object };
      return { ...id, ...rest };
    },
    toUpdateData: (changes) => ({ ...changes }),
  };
}
