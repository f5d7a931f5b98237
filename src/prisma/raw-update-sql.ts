import { parameter, quoteIdentifier, type FieldRef, type RawSqlDialect } from './raw-sql';

/** One column to SET and the value to bind to it. */
export type Assignment = readonly [field: string, value: unknown];

/** A raw statement and its bind values, in order. */
export interface Statement {
  sql: string;
  values: unknown[];
}

/**
 * Prefix of the before-state columns of {@link UpdateStatements.updateReturningBefore} (a colon never occurs in a
 * Prisma field name).
 */
export const BEFORE_PREFIX = 'before:';

/**
 * The raw UPDATE statements of one model (its table and scalar columns as Prisma names them),
 * for SQLite and PostgreSQL. Every statement returns the row as written, with the columns of
 * the raw SELECT that BeforeStateReader verified. Values are bound, never inlined; identifiers
 * are checked by `quoteIdentifier`.
 */
export class UpdateStatements {
  readonly #table: string;
  readonly #names: string[];
  readonly #returning: string;

  constructor(
    private readonly dialect: RawSqlDialect,
    fields: readonly FieldRef[],
  ) {
    this.#table = quoteIdentifier((fields[0] as FieldRef).modelName);
    this.#names = fields.map((field) => field.name);
    this.#returning = this.#names.map(quoteIdentifier).join(', ');
  }

  /** The model's scalar columns, in the order of the statements' RETURNING. */
  get columns(): readonly string[] {
    return this.#names;
  }

  /** `UPDATE t SET a = ?, ... WHERE "id" = ? RETURNING <columns>`. */
  update(id: unknown, set: readonly Assignment[]): Statement {
    const values: unknown[] = set.map(([, value]) => value);
    const sql =
      `UPDATE ${this.#table} SET ${this.#assignments(set)} WHERE "id" = ` +
      `${this.#next(values, id)} RETURNING ${this.#returning}`;
    return { sql, values };
  }

  /**
   * Like {@link update}, applied only while each column of `compared` (by default every column
   * but the id) still holds its value in `expected` (NULL matching NULL): a compare-and-set,
   * atomic as one statement is. It returns no row when the row changed since `expected` was read
   * (or is gone).
   */
  compareAndSet(
    id: unknown,
    set: readonly Assignment[],
    expected: Readonly<Record<string, unknown>>,
    compared: readonly string[] = this.#names,
  ): Statement {
    const values: unknown[] = set.map(([, value]) => value);
    const where = [`"id" = ${this.#next(values, id)}`, ...this.#matching(values, '', expected, compared)];
    const sql =
      `UPDATE ${this.#table} SET ${this.#assignments(set)} WHERE ${where.join(' AND ')} ` +
      `RETURNING ${this.#returning}`;
    return { sql, values };
  }

  /**
   * PostgreSQL: the UPDATE returning the row it replaced too, in one statement: the old row is
   * read `FOR UPDATE` in a WITH and joined. The lock is taken before the UPDATE applies, and
   * under READ COMMITTED both the locking read and the UPDATE act on the newest committed
   * version of the row (https://www.postgresql.org/docs/15/transaction-iso.html#XACT-READ-COMMITTED),
   * which no one else can change until this statement commits: the old columns are the row
   * this UPDATE replaced. They come back as `before:<name>`, the new ones under their names.
   */
  updateReturningBefore(id: unknown, set: readonly Assignment[]): Statement {
    const values: unknown[] = set.map(([, value]) => value);
    const idParam = this.#next(values, id);
    const locked = `SELECT ${this.#returning} FROM ${this.#table} WHERE "id" = ${idParam} FOR UPDATE`;
    const before = this.#names
      .map((name) => `"before".${quoteIdentifier(name)} AS "${BEFORE_PREFIX}${name}"`)
      .join(', ');
    const after = this.#names.map((name) => `${this.#table}.${quoteIdentifier(name)}`).join(', ');
    const sql =
      `WITH "before" AS (${locked}) UPDATE ${this.#table} SET ${this.#assignments(set)} FROM ` +
      `"before" WHERE ${this.#table}."id" = "before"."id" RETURNING ${before}, ${after}`;
    return { sql, values };
  }

  /**
   * PostgreSQL: {@link compareAndSet} of every column and, when it applied, the INSERT of one `CacheOutbox` row
   * (`keys`, `createdAt`), in one statement without a lock (a data-modifying WITH: both or neither commit,
   * https://www.postgresql.org/docs/15/queries-with.html#QUERIES-WITH-MODIFYING).
   */
  compareAndSetRecorded(
    id: unknown,
    set: readonly Assignment[],
    expected: Readonly<Record<string, unknown>>,
    keys: string,
    at: Date,
  ): Statement {
    const { sql: update, values } = this.compareAndSet(id, set, expected);
    const outbox =
      `INSERT INTO "CacheOutbox" ("keys", "createdAt") SELECT CAST(${this.#next(values, keys)} ` +
      `AS TEXT), CAST(${this.#next(values, at)} AS TIMESTAMP(3)) FROM "after"`;
    return { sql: `WITH "after" AS (${update}), "outbox" AS (${outbox}) SELECT * FROM "after"`, values };
  }

  /**
   * PostgreSQL: the compare-and-set of the columns `compared` against `expected`, on the row
   * locked first (`SELECT ... FOR UPDATE` in a WITH, as in {@link updateReturningBefore}), with
   * the INSERT of one `CacheOutbox` row (`outbox.keys`, `outbox.at`) when it applied, in one
   * statement. Returns one row whenever the id exists: the locked row under `before:<name>`
   * (the state the UPDATE replaced, or the newest committed state when it did not apply), and the
   * row as written under the plain names, all NULL when the compared columns did not match.
   * Columns not compared may differ from `expected`: waiting for the lock replaces a failed
   * compare-and-set on them.
   */
  lockedCompareAndSet(
    id: unknown,
    set: readonly Assignment[],
    expected: Readonly<Record<string, unknown>>,
    compared: readonly string[],
    outbox: { keys: string; at: Date } | null,
  ): Statement {
    const values: unknown[] = set.map(([, value]) => value);
    const idParam = this.#next(values, id);
    const locked = `SELECT ${this.#returning} FROM ${this.#table} WHERE "id" = ${idParam} FOR UPDATE`;
    const where = [`${this.#table}."id" = "before"."id"`, ...this.#matching(values, '"before".', expected, compared)];
    const returning = this.#names.map((name) => `${this.#table}.${quoteIdentifier(name)}`).join(', ');
    const update =
      `UPDATE ${this.#table} SET ${this.#assignments(set)} FROM "before" WHERE ${where.join(' AND ')} ` +
      `RETURNING ${returning}`;
    const insert = outbox
      ? `, "outbox" AS (INSERT INTO "CacheOutbox" ("keys", "createdAt") SELECT ` +
        `CAST(${this.#next(values, outbox.keys)} AS TEXT), CAST(${this.#next(values, outbox.at)} AS TIMESTAMP(3)) ` +
        `FROM "after")`
      : '';
    const before = this.#names
      .map((name) => `"before".${quoteIdentifier(name)} AS "${BEFORE_PREFIX}${name}"`)
      .join(', ');
    const after = this.#names.map((name) => `"after".${quoteIdentifier(name)}`).join(', ');
    const sql =
      `WITH "before" AS (${locked}), "after" AS (${update})${insert} ` +
      `SELECT ${before}, ${after} FROM "before" LEFT JOIN "after" ON TRUE`;
    return { sql, values };
  }

  /** `<prefix>"c" IS [NOT DISTINCT FROM] ?` for each column of `compared` but the id, bound from `expected`. */
  #matching(
    values: unknown[],
    prefix: string,
    expected: Readonly<Record<string, unknown>>,
    compared: readonly string[],
  ): string[] {
    const same = this.dialect === 'postgresql' ? 'IS NOT DISTINCT FROM' : 'IS';
    return compared
      .filter((name) => name !== 'id')
      .map((name) => `${prefix}${quoteIdentifier(name)} ${same} ${this.#next(values, expected[name] ?? null)}`);
  }

  #assignments(set: readonly Assignment[]): string {
    return set.map(([name], index) => `${quoteIdentifier(name)} = ${parameter(this.dialect, index + 1)}`).join(', ');
  }

  /** Appends `value` to `values` and returns its placeholder. */
  #next(values: unknown[], value: unknown): string {
    values.push(value);
    return parameter(this.dialect, values.length);
  }
}

/**
 * SQLite: the INSERT of one `CacheOutbox` row (`keys`, `createdAt`) when the statement before it
 * on the connection changed a row (`changes()`: https://www.sqlite.org/lang_corefunc.html#changes).
 * Sent after {@link UpdateStatements.compareAndSet} in one batch transaction.
 */
export const SQLITE_OUTBOX_IF_CHANGED =
  'INSERT INTO "CacheOutbox" ("keys", "createdAt") SELECT ?, ? WHERE changes() = 1';

/**
 * SQLite: a write that changes nothing, sent first in a batch transaction so that the transaction
 * holds the database's write lock from its first statement even when the adapter opens it with a
 * deferred `BEGIN`: a later upgrade from reading to writing fails at once with SQLITE_BUSY when
 * another connection wrote since the read (https://www.sqlite.org/lang_transaction.html,
 * https://www.sqlite.org/rescode.html#busy_snapshot), while the first write waits for the lock
 * under the busy timeout. Checked here with two connections: no other connection can then begin
 * `BEGIN IMMEDIATE`.
 */
export const SQLITE_TAKE_WRITE_LOCK = 'UPDATE "CacheOutbox" SET "id" = "id" WHERE 0';

/** The columns of a row returned with `before:<name>` beside `<name>`, as the two rows. */
export function splitBefore<Row>(row: Record<string, unknown>): { before: Row; after: Row } {
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    if (column.startsWith(BEFORE_PREFIX)) before[column.slice(BEFORE_PREFIX.length)] = value;
    else after[column] = value;
  }
  return { before: before as Row, after: after as Row };
}
