import { CaptureSetupError } from '../../errors';
import { CAPTURE_MESSAGE_PREFIX, type PgQueryable } from './postgres-setup';
import { parseLsn } from './lsn';

/**
 * The replication slot, as the consumer finds it before reading (PostgreSQL docs: "Replication Slots",
 * `pg_replication_slots`, `max_slot_wal_keep_size`). A slot that is gone (dropped, or never created) or invalidated
 * (`wal_status = 'lost'`: the server removed WAL it still needed) may have missed changes: the consumer creates a new
 * one and, in the new slot's stream, writes a message (`pg_logical_emit_message`) that makes it clear the cache prefix
 * before anything read from the new slot is confirmed. The message lives in the WAL, so a consumer that dies before
 * the clearing reads it again. (Between the slot's creation and the message there is one round trip in which a crash
 * would leave the new slot without it.)
 */

/** The slot ready to read from, or busy (another connection still streams it). */
export type SlotReadiness = { state: 'ready'; confirmed: bigint } | { state: 'busy'; pid: number };

interface SlotRow {
  wal_status: string | null;
  active_pid: number | null;
  confirmed_flush_lsn: string | null;
}

/**
 * Makes the slot ready for the lease holder: creates it when missing, drops and creates it when invalidated (each with
 * the clearing message), and ends the connection of a previous consumer still holding it (`pg_terminate_backend`: the
 * lease says that consumer is gone or lost its turn).
 * @param createSlot false: a missing or invalidated slot is an error
 * @throws {CaptureSetupError} `slot` when it may not be created, `permission` when the role may not
 */
export async function prepareSlot(db: PgQueryable, slot: string, createSlot: boolean): Promise<SlotReadiness> {
  const row = await readSlot(db, slot);
  if (row && row.wal_status !== 'lost') {
    if (row.active_pid !== null) {
      await sql(db, 'SELECT pg_terminate_backend($1)', [row.active_pid]);
      return { state: 'busy', pid: row.active_pid };
    }
    return { state: 'ready', confirmed: row.confirmed_flush_lsn ? parseLsn(row.confirmed_flush_lsn) : 0n };
  }
  const why = row
    ? `replication slot ${slot} was invalidated (its WAL was removed: max_slot_wal_keep_size)`
    : `replication slot ${slot} did not exist (first start, or dropped)`;
  if (!createSlot) throw new CaptureSetupError('slot', `${why}, and createSlot is false`);
  if (row) {
    if (row.active_pid !== null) await sql(db, 'SELECT pg_terminate_backend($1)', [row.active_pid]);
    await sql(db, 'SELECT pg_drop_replication_slot($1)', [slot]);
  }
  try {
    await sql(db, `SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
  } catch (error) {
    // Another consumer created it first (it writes the message): read it as it is.
    if ((error as { code?: unknown }).code !== '42710') throw error;
    return prepareSlot(db, slot, createSlot);
  }
  try {
    await sql(db, 'SELECT pg_logical_emit_message(true, $1, $2)', [CAPTURE_MESSAGE_PREFIX, why]);
  } catch (error) {
    // Without the message the new slot would hide the lost changes: drop it, so that the next attempt starts over.
    await sql(db, 'SELECT pg_drop_replication_slot($1)', [slot]).catch(() => undefined);
    throw error;
  }
  const created = await readSlot(db, slot);
  return { state: 'ready', confirmed: created?.confirmed_flush_lsn ? parseLsn(created.confirmed_flush_lsn) : 0n };
}

/** The slot's lag: WAL bytes the server keeps for it, and its `wal_status` (`missing` when there is no slot). */
export async function slotLag(db: PgQueryable, slot: string): Promise<{ bytes: number | null; status: string }> {
  const [row] = (
    await db.query<{ bytes: string | null; wal_status: string | null }>(
      `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::text AS bytes, wal_status
       FROM pg_replication_slots WHERE slot_name = $1`,
      [slot],
    )
  ).rows;
  if (!row) return { bytes: null, status: 'missing' };
  return { bytes: row.bytes === null ? null : Math.max(0, Number(row.bytes)), status: row.wal_status ?? 'unknown' };
}

async function readSlot(db: PgQueryable, slot: string): Promise<SlotRow | undefined> {
  const { rows } = await db.query<SlotRow>(
    `SELECT wal_status, active_pid, confirmed_flush_lsn::text AS confirmed_flush_lsn
     FROM pg_replication_slots WHERE slot_name = $1`,
    [slot],
  );
  return rows[0];
}

/**
 * Runs one statement; a missing privilege, or no free replication slot, becomes a {@link CaptureSetupError} that says
 * so.
 */
async function sql(db: PgQueryable, text: string, values: unknown[]): Promise<void> {
  try {
    await db.query(text, values);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const what = `change capture could not run ${text.split('(')[0]}: ${(error as Error).message}`;
    if (code === '42501') throw new CaptureSetupError('permission', what, { cause: error });
    if (code === '53400')
      throw new CaptureSetupError('slot', `${what} (raise max_replication_slots, or drop an unused slot)`, {
        cause: error,
      });
    throw error;
  }
}
