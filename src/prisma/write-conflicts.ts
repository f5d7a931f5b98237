import type { TransactionOptions } from './prisma-ports';
import type { RawSqlDialect } from './raw-sql';

/** Attempts of a transaction that lost a serialization conflict, the first included. */
const MAX_ATTEMPTS = 20;
/** Longest pause between two attempts, in ms. */
const MAX_PAUSE_MS = 100;

/**
 * Prisma's "Transaction failed due to a write conflict or a deadlock" (PostgreSQL SQLSTATE 40001/40P01), from any
 * generated client.
 */
export function isWriteConflict(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === 'PrismaClientKnownRequestError' &&
    (error as { code?: unknown }).code === 'P2034'
  );
}

/**
 * Runs `transaction` again (up to 20 attempts, after a random pause of up to min(2^attempt, 100) ms) when it
 * fails with a write conflict: a REPEATABLE READ or SERIALIZABLE transaction that PostgreSQL
 * aborted because a concurrent one changed what it read. Retrying is what PostgreSQL prescribes for these
 * (https://www.postgresql.org/docs/15/transaction-iso.html#XACT-REPEATABLE-READ); nothing of the
 * aborted attempt was committed.
 * @throws the last conflict after 20 attempts, and any other error at once.
 */
export async function retryOnWriteConflict<R>(transaction: () => Promise<R>): Promise<R> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await transaction();
    } catch (error) {
      if (!isWriteConflict(error) || attempt >= MAX_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2 ** attempt, MAX_PAUSE_MS)));
    }
  }
}

/**
 * The isolation of a read-then-write transaction that reads with `findUnique` (no row lock): on PostgreSQL REPEATABLE
 * READ, under which an UPDATE of a row another transaction changed since the read fails with a serialization error
 * (https://www.postgresql.org/docs/15/transaction-iso.html#XACT-REPEATABLE-READ), retried by `retryOnWriteConflict`;
 * elsewhere SERIALIZABLE, the one level SQLite accepts (a SQLite write transaction holds the database's write lock).
 */
export function readThenWriteIsolation(dialect: RawSqlDialect | null): TransactionOptions {
  return { isolationLevel: dialect === 'postgresql' ? 'RepeatableRead' : 'Serializable' };
}
