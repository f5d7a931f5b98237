/**
 * What a strategy declares for change capture (`cachedrepo/capture`, REDIS_CACHE.md section 16): the database tables
 * whose committed changes make its keys stale, and how one row of them becomes the state its `keysOf` reads. The
 * capture consumer turns each changed row's old and new images into `affectedKeys(before, after)`, so a write made
 * outside the repositories (raw SQL, another service, a cascade) invalidates the same keys as a write through them.
 */

/**
 * One row as the database recorded it: column name to value. PostgreSQL values come parsed by `pg`'s type parsers
 * (`text` and enums as strings, `int4` as numbers, `bool` as booleans, `timestamp` as Dates, `int8` and `numeric` as
 * strings); SQLite values as `json_object` keeps them (text as strings, integers and reals as numbers).
 */
export type RowImage = Readonly<Record<string, unknown>>;

/** One captured table of a strategy. */
export interface CapturedTable<T> {
  /** The table's name in the database, unquoted and case as created (`Hero`). */
  readonly table: string;
  /**
   * The columns {@link toEntity} reads. SQLite's triggers copy only these into the change table; PostgreSQL sends
   * every column (REPLICA IDENTITY FULL), of which only these are kept.
   */
  readonly columns: readonly string[];
  /**
   * The state `keysOf` reads, from one row image holding at least {@link columns}: the entity, or an object with the
   * fields `keysOf` uses (the capture never hands it to anything else). A throw is treated as "keys unknown": the
   * consumer clears the whole prefix rather than skip the change.
   */
  toEntity(row: RowImage): T;
}
