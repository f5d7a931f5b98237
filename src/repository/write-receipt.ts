/**
 * A write's receipt: where the database's change log stood when a write through a cached repository committed, so
 * that change capture's consumer can tell which changes that writer's own invalidation already covered.
 *
 * Why: every captured write is invalidated twice, by its writer right after the commit and by the consumer once it
 * reads the change. The second `UNLINK` is needed only when the first did not happen (the writer died or lost Redis
 * between its commit and its `UNLINK`: DESIGN.md rule 6); when it did, the second one evicts entries that readers
 * refilled with the new state meanwhile, and each of those costs one more miss (REDIS_CACHE.md section 14 measured it
 * on hot keys). So a writer whose `UNLINK` succeeded leaves its receipt beside each key, in the same Redis script; the
 * consumer leaves alone a key whose receipt covers every change of the batch that touches it.
 *
 * Positions are those of the change log the consumer reads: the change table's ids on SQLite. A receipt states a fact
 * about real time that stays true: every change whose position is below `below`, and the change at `own`, had
 * committed before the writer's `UNLINK` of the key. Any entry present after that `UNLINK` was loaded under a lease
 * placed after it (an older lease's store fails: the `UNLINK` removed it), so from a read that sees those changes.
 */
export interface WriteReceipt {
  /** Every change whose position precedes this one had committed before the write returned. */
  readonly below: number;
  /** The write's own change, when known. */
  readonly own: number | null;
}

/**
 * The prefix of the transactional logical decoding message (`pg_logical_emit_message`) with which a PostgreSQL write
 * that returns a receipt announces it in its own transaction, so that change capture's consumer waits for receipts
 * only for transactions that will leave one; a write made outside the cached repositories is invalidated at once.
 */
export const RECEIPT_MESSAGE_PREFIX = 'cachedrepo:receipt';

/** The change log a started consumer reads, named as its source is: `sqlite` and the change table's name. */
export interface ChangeLogRef {
  readonly kind: 'sqlite' | 'postgresql';
  readonly name: string;
}

/**
 * True when `position` precedes `other` in serial number arithmetic on 32 bits (RFC 1982, section 3.2), so that
 * positions that wrap (PostgreSQL's 32-bit transaction ids) compare right while fewer than 2^31 apart. A receipt
 * lives seconds (`DEFAULTS.writeReceiptTtlMs`), far less than 2^31 changes.
 */
export function precedes(position: number, other: number): boolean {
  return ((position - other) | 0) < 0;
}

/** True when `receipt` covers the change at `position` (see {@link WriteReceipt}). */
export function receiptCovers(receipt: WriteReceipt, position: number): boolean {
  return position === receipt.own || precedes(position, receipt.below);
}

/** The receipt as stored in Redis: `<below>:<own>` (`own` empty when unknown). */
export function encodeReceipt(receipt: WriteReceipt): string {
  return `${receipt.below}:${receipt.own ?? ''}`;
}

/** The receipt stored by {@link encodeReceipt}; null for anything else (a receipt never read is a key unlinked). */
export function decodeReceipt(text: string | null): WriteReceipt | null {
  const match = text === null ? null : /^(\d{1,15}):(\d{0,15})$/.exec(text);
  if (!match) return null;
  return { below: Number(match[1]), own: match[2] === '' ? null : Number(match[2]) };
}
