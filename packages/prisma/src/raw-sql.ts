/**
 * The raw statements of the write path, and when they may be used. A Prisma query costs a
 * compilation (the query compiler of Prisma 6's JS engine) and a round of result mapping; a raw
 * statement skips both and costs about a third of a compiled one (bench/databases.ts). Raw SQL
 * names tables and columns itself, so it is used only where it provably reads and writes what
 * Prisma's own queries do: see {@link BeforeStateReader} and {@link outboxRawSql}.
 */

/** The raw-SQL slice of a generated client or transaction client. */
export interface RawSqlClient {
  $queryRawUnsafe<R = unknown>(query: string, ...values: unknown[]): PromiseLike<R>;
  $executeRawUnsafe(query: string, ...values: unknown[]): PromiseLike<number>;
}

/** The databases whose raw SQL this package writes (identifiers in double quotes, as both accept). */
export type RawSqlDialect = 'sqlite' | 'postgresql';

/**
 * The database behind a generated client, from its `_activeProvider` (set by Prisma's generated
 * client since 2.x; not public API, hence the fallback): null for any other database or when it
 * cannot be told, and the write path then uses compiled queries only.
 */
export function rawSqlDialect(client: object): RawSqlDialect | null {
  const provider = (client as { _activeProvider?: unknown })._activeProvider;
  if (provider === 'sqlite') return 'sqlite';
  if (provider === 'postgresql' || provider === 'postgres') return 'postgresql';
  return null;
}

/** The `index`-th (1-based) bind parameter: `?` for SQLite (better-sqlite3 binds them in order), `$n` for PostgreSQL. */
export function parameter(dialect: RawSqlDialect, index: number): string {
  return dialect === 'sqlite' ? '?' : `$${index}`;
}

/** `"name"`, for a Prisma model or field name (letters, digits, underscores: nothing to escape). */
export function quoteIdentifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`Not a plain identifier: ${JSON.stringify(name)}`);
  return `"${name}"`;
}

/**
 * The INSERT of one outbox row: `INSERT INTO "CacheOutbox" ("keys", "createdAt") VALUES (...)`,
 * the table of outbox.prisma. `createdAt` is bound (not the column default): SQLite's
 * CURRENT_TIMESTAMP text is not the format Prisma writes and reads back.
 */
export function outboxRawSql(dialect: RawSqlDialect): string {
  return `INSERT INTO "CacheOutbox" ("keys", "createdAt") VALUES (${parameter(dialect, 1)}, ${parameter(dialect, 2)})`;
}

/** True when two rows (as Prisma returns them) have the same columns, and equal values where both are set. */
export function sameShape(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => {
    if (!(key in b)) return false;
    const x = a[key];
    const y = b[key];
    if (x === null || y === null) return true;
    if (x instanceof Date || y instanceof Date) return x instanceof Date && y instanceof Date;
    return typeof x === typeof y;
  });
}

/** True when two rows of the same shape hold equal values (Dates by time). */
export function sameValues(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return Object.keys(a).every((key) => {
    const x = a[key];
    const y = b[key];
    if (x instanceof Date && y instanceof Date) return x.getTime() === y.getTime();
    return x === y;
  });
}
