import { RECEIPT_MESSAGE_PREFIX, type ChangeLogRef, type WriteReceipt } from '../capture/index';

/**
 * A write's receipt (`WriteReceipt`, cachedrepo/capture) read by the write's own statement: extra `RETURNING` columns,
 * named with a colon so that no model column can be one, removed from the row before it is mapped.
 *
 * - SQLite: the change table's AUTOINCREMENT counter (`sqlite_sequence`, SQLite docs "Autoincrement"), read inside
 *   the write's transaction, which SQLite's single writer lock keeps alone: every change id up to it had committed (or
 *   is this transaction's). SQLite evaluates `RETURNING` before the `AFTER UPDATE` trigger of the captured table
 *   inserts the write's change row (pinned by tests/example/integration/databases/keyed-update.test.ts), so that row
 *   is the next id: this write's own.
 * - PostgreSQL: the transaction's id (`pg_current_xact_id()`), and the `xmin` of a snapshot taken by the statement
 *   (`pg_snapshot_xmin(pg_current_snapshot())`): every transaction id below it had ended, committed and visible, or
 *   rolled back (PostgreSQL docs, "Transaction ID and Snapshot Information Functions"). Both modulo 2^32, as the
 *   pgoutput BEGIN message carries them. The statement also announces its receipt to change capture's consumer with a
 *   transactional logical decoding message (`pg_logical_emit_message`, PostgreSQL docs, "Replication Management
 *   Functions"; executable by any role, at any `wal_level`), so that the consumer waits for receipts only for
 *   transactions that will leave one (`ChangeCaptureOptions.receiptWaitMs`).
 */

const SEQUENCE = 'cachedrepo:sequence';
const XID = 'cachedrepo:xid';
const XMIN = 'cachedrepo:xmin';
const ANNOUNCED = 'cachedrepo:announced';

/** The columns to append to a statement's `RETURNING` list (with their leading comma), or '' without a log. */
export function receiptColumns(log: ChangeLogRef | null | undefined): string {
  if (log?.kind === 'sqlite')
    return `, (SELECT "seq" FROM sqlite_sequence WHERE "name" = '${log.name.replace(/'/g, "''")}') AS "${SEQUENCE}"`;
  if (log?.kind === 'postgresql')
    return (
      `, pg_current_xact_id()::text AS "${XID}", pg_snapshot_xmin(pg_current_snapshot())::text AS "${XMIN}", ` +
      `(pg_logical_emit_message(true, '${RECEIPT_MESSAGE_PREFIX}', '') IS NOT NULL) AS "${ANNOUNCED}"`
    );
  return '';
}

/** Removes the receipt's columns from `row` and returns the receipt they hold, if whole. */
export function takeReceipt(row: Record<string, unknown>): WriteReceipt | undefined {
  const { [SEQUENCE]: sequence, [XID]: xid, [XMIN]: xmin } = row;
  delete row[SEQUENCE];
  delete row[XID];
  delete row[XMIN];
  delete row[ANNOUNCED];
  if (typeof sequence === 'number' || typeof sequence === 'bigint') {
    const next = Number(sequence) + 1;
    return Number.isSafeInteger(next) ? { below: next, own: next } : undefined;
  }
  if (typeof xid === 'string' && typeof xmin === 'string' && /^\d+$/.test(xid) && /^\d+$/.test(xmin))
    return { below: Number(BigInt(xmin) % 2n ** 32n), own: Number(BigInt(xid) % 2n ** 32n) };
  return undefined;
}
