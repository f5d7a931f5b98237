/**
 * The SQL the SQLite change source runs, on whatever the application reads its database with (a Prisma client, a
 * better-sqlite3 handle, ...). Parameters are `?` placeholders.
 */
export interface SqlClient {
  /** The rows of a query, as column name to value. */
  query(sql: string, parameters?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /** Runs a statement. */
  execute(sql: string, parameters?: readonly unknown[]): Promise<void>;
}

/** The raw-SQL slice of a Prisma client (`$queryRawUnsafe`, `$executeRawUnsafe`). */
export interface PrismaRawClient {
  $queryRawUnsafe<R = unknown>(query: string, ...values: unknown[]): PromiseLike<R>;
  $executeRawUnsafe(query: string, ...values: unknown[]): PromiseLike<number>;
}

/** A {@link SqlClient} over a Prisma client's raw SQL. */
export function prismaSqlClient(prisma: PrismaRawClient): SqlClient {
  return {
    query: async (sql, parameters = []) => await prisma.$queryRawUnsafe<Record<string, unknown>[]>(sql, ...parameters),
    execute: async (sql, parameters = []) => {
      await prisma.$executeRawUnsafe(sql, ...parameters);
    },
  };
}
