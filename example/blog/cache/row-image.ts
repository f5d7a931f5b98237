import type { RowImage } from 'cachedrepo/capture';

/**
 * An integer column of a row image change capture hands a strategy's `toEntity` (a number from PostgreSQL's int4 and
 * SQLite's json_object alike).
 * @throws {Error} when it is missing or not an integer: capture then clears the prefix rather than guess
 */
export function intColumn(row: RowImage, column: string): number {
  const value = row[column];
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new Error(`column ${column} is not an integer`);
  return value;
}

/** A text column of a row image. @throws {Error} when it is missing or not text */
export function textColumn(row: RowImage, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw new Error(`column ${column} is not text`);
  return value;
}

/** The state `keysOf` reads, typed as the entity: `fields` holds every field its `keysOf` uses. */
export function keyState<T>(fields: Partial<T>): T {
  return fields as T;
}
