import type { RowImage } from 'cachedrepo/capture';

/**
 * Reading the row images change capture hands a strategy's `capture.toEntity` (REDIS_CACHE.md section 16): one
 * row as PostgreSQL's WAL or SQLite's change table recorded it, holding the declared columns.
 */

/** A text column. @throws {Error} when it is missing or null (capture then clears the prefix rather than guess) */
export function textColumn(row: RowImage, column: string): string {
  const value = row[column];
  if (value === undefined || value === null) throw new Error(`column ${column} missing from the row image`);
  return String(value);
}

/** An integer column (a number from PostgreSQL's int4 and SQLite alike). @throws {Error} when missing or not one */
export function integerColumn(row: RowImage, column: string): number {
  const value = Number(textColumn(row, column));
  if (!Number.isInteger(value)) throw new Error(`column ${column} is not an integer`);
  return value;
}

/**
 * The state `keysOf` reads, typed as the entity: `fields` must hold every field the strategy's `keysOf` uses (the
 * object goes nowhere else: capture only computes keys from it).
 */
export function keyState<T>(fields: Partial<T>): T {
  return fields as T;
}
