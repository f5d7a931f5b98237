/** Attempts of a transaction that lost a serialization conflict, the first included. */
const MAX_ATTEMPTS = 5;

/** Prisma's "Transaction failed due to a write conflict or a deadlock" (PostgreSQL SQLSTATE 40001/40P01), from any generated client. */
export function isWriteConflict(error: unknown): boolean {
  return error instanceof Error && error.name === 'PrismaClientKnownRequestError' && (error as { code?: unknown }).code === 'P2034';
}

/**
 * Runs `transaction` again (up to 5 attempts, after a random pause of up to 2^attempt ms) when it
 * fails with a write conflict: a SERIALIZABLE transaction that PostgreSQL aborted because a
 * concurrent one changed what it read. Retrying is what PostgreSQL prescribes for these
 * (https://www.postgresql.org/docs/15/transaction-iso.html#XACT-SERIALIZABLE); nothing of the
 * aborted attempt was committed.
 * @throws the last conflict after 5 attempts, and any other error at once.
 */
export async function retryOnWriteConflict<R>(transaction: () => Promise<R>): Promise<R> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await transaction();
    } catch (error) {
      if (!isWriteConflict(error) || attempt >= MAX_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 2 ** attempt));
    }
  }
}
