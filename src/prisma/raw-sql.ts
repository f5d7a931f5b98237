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

/** A Prisma field reference (`prisma.hero.fields.name`): public API of generated clients. */
export interface FieldRef {
  modelName: string;
  name: string;
  typeName: string;
  isList: boolean;
}

/**
 * Types whose raw values Prisma returns exactly as its model queries do, on SQLite and PostgreSQL (checked in
 * tests/integration/prisma).
 */
const PLAIN_TYPES: ReadonlySet<string> = new Set(['String', 'Int', 'Float', 'Boolean', 'DateTime']);

/**
 * The field references of a model delegate (`prisma.hero.fields`) when every one is a scalar of
 * a plain type (String, Int, Float, Boolean, DateTime) of one model that has an `id` field and a
 * name raw SQL can quote; else null (raw SQL is then never used for that model).
 */
export function plainScalarFields(fields: unknown): FieldRef[] | null {
  if (!fields || typeof fields !== 'object') return null;
  const refs = Object.values(fields as Record<string, FieldRef>);
  const model = refs[0]?.modelName;
  if (!model || !refs.some((field) => field.name === 'id')) return null;
  if (!refs.every((field) => field.modelName === model && !field.isList && PLAIN_TYPES.has(field.typeName)))
    return null;
  if (![model, ...refs.map((field) => field.name)].every((name) => IDENTIFIER.test(name))) return null;
  return refs;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

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

/**
 * The `index`-th (1-based) bind parameter: `?` for SQLite (better-sqlite3 binds them in order), `$n` for PostgreSQL.
 */
export function parameter(dialect: RawSqlDialect, index: number): string {
  return dialect === 'sqlite' ? '?' : `$${index}`;
}

/** `"name"`, for a Prisma model or field name (letters, digits, underscores: nothing to escape). */
export function quoteIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`Not a plain identifier: ${JSON.stringify(name)}`);
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
  return Object.keys(a).every((key) => sameValue(a[key], b[key]));
}

/** `x === y`, Dates compared by time. */
export function sameValue(x: unknown, y: unknown): boolean {
  if (x instanceof Date && y instanceof Date) return x.getTime() === y.getTime();
  return x === y;
}
