import { errors, type AffectedKeysOf, type EntityChange } from '../index';
import type { ChangeLogRef } from '../capture/index';
import { type AnyEntity, type IdOf } from '../ids/index';
import type { BeforeStateReader } from './before-state';
import { insertOutboxRow, type OutboxModel } from './prisma-outbox';
import { sameValue, sameValues, type RawSqlClient, type RawSqlDialect } from './raw-sql';
import type { RawUpdateWriter } from './raw-update';
import { receiptColumns, takeReceipt } from './receipts';
import type { RecentRows } from './recent-rows';
import {
  splitBefore,
  SQLITE_OUTBOX_IF_CHANGED,
  SQLITE_TAKE_WRITE_LOCK,
  type Assignment,
  type UpdateStatements,
} from './raw-update-sql';

/** Compare-and-set attempts that found the row changed by another writer before the general path takes over. */
const MAX_COMPARE_AND_SET_ATTEMPTS = 3;

/** A client that runs raw SQL and batch transactions: a generated client fits. */
export type BatchClient = RawSqlClient &
  OutboxModel & {
    $transaction<P extends PromiseLike<unknown>[]>(queries: [...P]): Promise<{ [K in keyof P]: Awaited<P[K]> }>;
  };

/**
 * The outbox row an update records: the keys function, the dialect in which a raw INSERT reaches the outbox table,
 * and the columns the keys function reads (the strategy's capture declaration for this table), or null when not
 * declared (then every column counts).
 */
export interface Recording<T extends AnyEntity> {
  affected: AffectedKeysOf<T>;
  dialect: RawSqlDialect;
  keyColumns: readonly string[] | null;
}

type Loose = Record<string, unknown>;

/** What one locked write found and did: the row before (undefined: no such id), the row written (null: not applied). */
interface LockedWrite<Row> {
  before: Row | undefined;
  after: Row | null;
}

/**
 * The update that returns the row it replaced, in raw statements only (no Prisma-compiled
 * query, no interactive transaction), once BeforeStateReader and RawUpdateWriter have proven
 * the raw SELECT and UPDATE for the model; null when they have not (the caller takes the
 * general path). Each way gives exactly the state the update replaced under concurrent writers:
 *
 * - PostgreSQL without an outbox row: one statement that locks the old row and updates it
 *   (`UpdateStatements.updateReturningBefore`).
 * - With an outbox row, the keys are computed before the write from an expected row (the row as
 *   this repository last read or wrote it, `RecentRows`, else one raw SELECT) and the values the
 *   UPDATE binds (the probe proved the row then reads back as bound). One write then locks the
 *   row, applies only if the columns the keys read still hold the expected values, and inserts
 *   the outbox row when it applied: on PostgreSQL one statement (`lockedCompareAndSet`), on
 *   SQLite one batch transaction (a no-op write that takes the database's write lock, SELECT,
 *   UPDATE, INSERT). Both are tried only after a compare-and-set of every column with the outbox
 *   row and no lock (one statement; on SQLite a batch of 2) found the row changed, unless such
 *   tries have mostly found it changed lately (`RecentRows`). The locking write returns the row
 *   it found: when the compared columns had changed, the next attempt expects that row (no
 *   SELECT), up to 3 attempts. The columns compared are the ones the strategy's capture
 *   declaration names for this table, so concurrent writes of other columns of a hot row wait
 *   for its lock instead of failing the compare-and-set (in a YCSB run most failed); without a
 *   declaration, every column. After the write, the keys of the actual change are computed
 *   again (`#applied`).
 * - SQLite without an outbox row: the compare-and-set of every column with the remembered row
 *   (skipped while such tries have mostly found the row changed), else one batch transaction: the
 *   no-op write that takes the write lock, the SELECT, the UPDATE.
 */
export class FastUpdate<T extends AnyEntity, Row extends object> {
  /** False once a change showed the declared key columns incomplete: every column is compared then. */
  #keyColumnsTrusted = true;

  constructor(
    private readonly entityType: string,
    private readonly client: BatchClient,
    private readonly dialect: RawSqlDialect | null,
    private readonly before: BeforeStateReader<Row>,
    private readonly writer: RawUpdateWriter<Row>,
    private readonly toDomain: (row: Row) => T,
    private readonly recent: RecentRows<Row>,
  ) {}

  /**
   * @throws {EntityNotFoundError} when `id` does not exist (nothing is written or recorded)
   * @throws whatever `recording.affected` throws (before anything is written)
   */
  async update(
    id: IdOf<T>,
    data: object,
    recording: Recording<T> | null,
    log?: ChangeLogRef | null,
  ): Promise<EntityChange<T> | null> {
    const statements = this.writer.statements;
    if (!statements) return null;
    // One after the other: the first calls run the probes, and the writer's takes a transaction.
    const select = await this.before.readStatementFor(id);
    const set = select ? await this.writer.assignmentsFor(id, data) : null;
    if (!select || !set) return null;
    if (recording) return this.#recordedUpdate(statements, select, id, set, recording);
    if (this.dialect === 'postgresql') return this.#lockedUpdate(statements, id, set, log);
    return this.#compareAndSet(statements, select, id, set);
  }

  /** With a PostgreSQL change `log`, the statement also returns the write's receipt (`receipts.ts`). */
  async #lockedUpdate(
    statements: UpdateStatements,
    id: IdOf<T>,
    set: readonly Assignment[],
    log?: ChangeLogRef | null,
  ): Promise<EntityChange<T>> {
    const { sql, values } = statements.updateReturningBefore(id, set);
    const extra = receiptColumns(log?.kind === 'postgresql' ? log : null);
    const [row] = await this.client.$queryRawUnsafe<Loose[]>(sql + extra, ...values);
    if (!row) throw new errors.EntityNotFoundError(this.entityType, id);
    const receipt = takeReceipt(row);
    const { before, after } = splitBefore<Row>(row);
    this.recent.remember(id, after as Row);
    const change = { before: this.toDomain(before as Row), after: this.toDomain(after as Row) };
    return receipt ? { ...change, receipt } : change;
  }

  async #recordedUpdate(
    statements: UpdateStatements,
    select: string,
    id: IdOf<T>,
    set: readonly Assignment[],
    recording: Recording<T>,
  ): Promise<{ before: T; after: T } | null> {
    const keyed = recording.keyColumns !== null && this.#keyColumnsTrusted;
    const compared = keyed ? (recording.keyColumns as readonly string[]) : statements.columns;
    let expected = this.recent.get(id) ?? (await this.client.$queryRawUnsafe<Row[]>(select, id))[0];
    // First the compare-and-set of every column without a lock, the cheapest write when the row is as expected (on
    // SQLite 2 statements instead of 4, on PostgreSQL no lock), unless such tries have mostly found the row changed
    // lately (a hot row other writers change): then the locking write at once.
    const trying = this.recent.worthTrying();
    let optimistic = trying;
    for (let attempt = 1; attempt <= MAX_COMPARE_AND_SET_ATTEMPTS && expected; attempt += 1) {
      const keys = recording.affected(
        this.toDomain(expected),
        this.toDomain({ ...expected, ...Object.fromEntries(set) }),
      );
      if (optimistic) {
        optimistic = false;
        attempt -= 1;
        const written = await this.#optimisticWrite(statements, id, set, expected, keys, recording.dialect);
        this.recent.found(!written);
        if (written) return this.#applied(id, expected, written, keys, recording, false);
        continue;
      }
      const found = await this.#lockedWrite(statements, select, id, set, expected, compared, keys, recording.dialect);
      // Whether a try would have applied: so tries resume once the row stops changing under this writer.
      if (!trying && attempt === 1 && found.before)
        this.recent.found(!sameValues(found.before as Loose, expected as Loose));
      if (found.after) return this.#applied(id, found.before as Row, found.after, keys, recording, keyed);
      // Not applied, yet the compared columns read back as expected: a value stored in another form than bound.
      const same = (name: string) => sameValue((found.before as Loose)[name], (expected as Loose)[name]);
      if (found.before && compared.every(same)) break;
      expected = found.before;
    }
    this.recent.forget(id);
    if (!expected) throw new errors.EntityNotFoundError(this.entityType, id);
    return null;
  }

  /**
   * The change of a write that applied. Should its keys hold one the recorded ones do not (a declaration that left
   * out a column the keys read, or a value stored in another form than bound), that key is recorded now in a row of
   * its own (the cached repository invalidates it right away too), and a declaration is not trusted again.
   */
  async #applied(
    id: IdOf<T>,
    beforeRow: Row,
    afterRow: Row,
    recorded: readonly string[],
    recording: Recording<T>,
    keyed: boolean,
  ): Promise<{ before: T; after: T }> {
    this.recent.remember(id, afterRow);
    const change = { before: this.toDomain(beforeRow), after: this.toDomain(afterRow) };
    const missed = [...new Set(recording.affected(change.before, change.after))].filter(
      (key) => !recorded.includes(key),
    );
    if (missed.length > 0) {
      if (keyed) this.#keyColumnsTrusted = false;
      await insertOutboxRow(this.client, missed, recording.dialect);
    }
    return change;
  }

  /**
   * The compare-and-set of every column against `expected` and the outbox row, without a lock: one statement on
   * PostgreSQL, one batch transaction on SQLite.
   */
  async #optimisticWrite(
    statements: UpdateStatements,
    id: IdOf<T>,
    set: readonly Assignment[],
    expected: Row,
    keys: readonly string[],
    dialect: RawSqlDialect,
  ): Promise<Row | null> {
    if (keys.length > 0 && dialect === 'postgresql') {
      const json = JSON.stringify(keys);
      const { sql, values } = statements.compareAndSetRecorded(id, set, expected as Loose, json, new Date());
      return (await this.client.$queryRawUnsafe<Row[]>(sql, ...values))[0] ?? null;
    }
    const { sql, values } = statements.compareAndSet(id, set, expected as Loose);
    const write = this.client.$queryRawUnsafe<Row[]>(sql, ...values);
    if (keys.length === 0) return (await write)[0] ?? null;
    const [rows] = await this.client.$transaction([
      write,
      this.client.$executeRawUnsafe(SQLITE_OUTBOX_IF_CHANGED, JSON.stringify(keys), new Date()),
    ]);
    return rows[0] ?? null;
  }

  async #lockedWrite(
    statements: UpdateStatements,
    select: string,
    id: IdOf<T>,
    set: readonly Assignment[],
    expected: Row,
    compared: readonly string[],
    keys: readonly string[],
    dialect: RawSqlDialect,
  ): Promise<LockedWrite<Row>> {
    const outbox = keys.length > 0 ? { keys: JSON.stringify(keys), at: new Date() } : null;
    if (dialect === 'postgresql') {
      const { sql, values } = statements.lockedCompareAndSet(id, set, expected as Loose, compared, outbox);
      const [row] = await this.client.$queryRawUnsafe<Loose[]>(sql, ...values);
      if (!row) return { before: undefined, after: null };
      const { before, after } = splitBefore<Row>(row);
      return { before, after: (after as Loose)['id'] === null ? null : after };
    }
    const { sql, values } = statements.compareAndSet(id, set, expected as Loose, compared);
    // The SELECT runs in the write's transaction, under SQLite's write lock (taken by its first statement): the row
    // read is the row replaced.
    const lock = this.client.$executeRawUnsafe(SQLITE_TAKE_WRITE_LOCK);
    const read = this.client.$queryRawUnsafe<Row[]>(select, id);
    const write = this.client.$queryRawUnsafe<Row[]>(sql, ...values);
    const [, rows, written] = outbox
      ? await this.client.$transaction([
          lock,
          read,
          write,
          this.client.$executeRawUnsafe(SQLITE_OUTBOX_IF_CHANGED, outbox.keys, outbox.at),
        ])
      : await this.client.$transaction([lock, read, write]);
    return { before: rows[0], after: written[0] ?? null };
  }

  async #compareAndSet(
    statements: UpdateStatements,
    select: string,
    id: IdOf<T>,
    set: readonly Assignment[],
  ): Promise<{ before: T; after: T }> {
    const remembered = this.recent.get(id);
    const trying = remembered !== undefined && this.recent.worthTrying();
    if (trying) {
      // The row as this repository last saw it: when it still holds exactly that, the lock and the SELECT are saved.
      const done = await this.#attempt(statements, id, set, remembered);
      this.recent.found(!done);
      if (done) return done;
    }
    // The SELECT runs in the write's transaction, under SQLite's write lock (taken by its first statement).
    const { sql, values } = statements.update(id, set);
    const [, [before], [after]] = await this.client.$transaction([
      this.client.$executeRawUnsafe(SQLITE_TAKE_WRITE_LOCK),
      this.client.$queryRawUnsafe<Row[]>(select, id),
      this.client.$queryRawUnsafe<Row[]>(sql, ...values),
    ]);
    // Whether a try would have applied: so tries resume once the row stops changing under this writer.
    if (remembered && !trying && before) this.recent.found(!sameValues(before as Loose, remembered as Loose));
    if (!before || !after) {
      this.recent.forget(id);
      throw new errors.EntityNotFoundError(this.entityType, id);
    }
    this.recent.remember(id, after);
    return { before: this.toDomain(before), after: this.toDomain(after) };
  }

  /** One compare-and-set of every column against `read`: the change, or null when the row no longer holds `read`. */
  async #attempt(
    statements: UpdateStatements,
    id: IdOf<T>,
    set: readonly Assignment[],
    read: Row,
  ): Promise<{ before: T; after: T } | null> {
    const { sql, values } = statements.compareAndSet(id, set, read as Loose);
    const [written] = await this.client.$queryRawUnsafe<Row[]>(sql, ...values);
    if (!written) return null;
    this.recent.remember(id, written);
    return { before: this.toDomain(read), after: this.toDomain(written) };
  }
}
