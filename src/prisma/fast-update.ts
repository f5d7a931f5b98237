import { errors, type AffectedKeysOf } from '../index';
import { type AnyEntity, type IdOf } from '../ids/index';
import type { BeforeStateReader } from './before-state';
import { insertOutboxRow, type OutboxModel } from './prisma-outbox';
import { sameValues, type RawSqlClient, type RawSqlDialect } from './raw-sql';
import type { RawUpdateWriter } from './raw-update';
import type { RecentRows } from './recent-rows';
import { BEFORE_PREFIX, SQLITE_OUTBOX_IF_CHANGED, type Assignment, type UpdateStatements } from './raw-update-sql';

/** Compare-and-set attempts that found the row changed by another writer before the general path takes over. */
const MAX_COMPARE_AND_SET_ATTEMPTS = 3;

/** A client that runs raw SQL and batch transactions: a generated client fits. */
export type BatchClient = RawSqlClient &
  OutboxModel & {
    $transaction<P extends PromiseLike<unknown>[]>(queries: [...P]): Promise<{ [K in keyof P]: Awaited<P[K]> }>;
  };

/**
 * The outbox row an update records: the keys function, and the dialect in which a raw INSERT reaches the outbox table.
 */
export interface Recording<T extends AnyEntity> {
  affected: AffectedKeysOf<T>;
  dialect: RawSqlDialect;
}

type Loose = Record<string, unknown>;

/**
 * The update that returns the row it replaced, in raw statements only (no Prisma-compiled
 * query, no interactive transaction), once BeforeStateReader and RawUpdateWriter have proven
 * the raw SELECT and UPDATE for the model; null when they have not (the caller takes the
 * general path). Two ways, both giving exactly the state the update replaced under concurrent
 * writers:
 *
 * - PostgreSQL without an outbox row: one statement that locks the old row and updates it
 *   (`UpdateStatements.updateReturningBefore`).
 * - Otherwise a compare-and-set: read the row, then update it only if every column still holds
 *   what was read, in one statement (with the outbox row: on PostgreSQL in the same statement,
 *   on SQLite in a batch transaction with an INSERT that runs only if the UPDATE changed the row).
 *   The outbox keys are computed before the write from the row read and the values the UPDATE
 *   binds (the probe proved the row then reads back as bound). When another writer changed the
 *   row in between, read again and retry, up to 3 attempts; when the row reads back unchanged yet
 *   did not match (a value stored in another form than the one bound), give up at once.
 *
 * The compare-and-set is first tried with the row as this repository last read or wrote it
 * (`RecentRows`), without the read: it applies only if the row holds exactly those values, so
 * they are then the state it replaced, whoever wrote what in between; otherwise the read and the
 * loop above follow. Skipped while such tries have mostly found the row changed (they would cost
 * more than they save).
 */
export class FastUpdate<T extends AnyEntity, Row extends object> {
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
  async update(id: IdOf<T>, data: object, recording: Recording<T> | null): Promise<{ before: T; after: T } | null> {
    const statements = this.writer.statements;
    if (!statements) return null;
    // One after the other: the first calls run the probes, and the writer's takes a transaction.
    const select = await this.before.readStatementFor(id);
    const set = select ? await this.writer.assignmentsFor(id, data) : null;
    if (!select || !set) return null;
    if (!recording && this.dialect === 'postgresql') return this.#lockedUpdate(statements, id, set);
    return this.#compareAndSet(statements, select, id, set, recording);
  }

  async #lockedUpdate(
    statements: UpdateStatements,
    id: IdOf<T>,
    set: readonly Assignment[],
  ): Promise<{ before: T; after: T }> {
    const { sql, values } = statements.updateReturningBefore(id, set);
    const [row] = await this.client.$queryRawUnsafe<Loose[]>(sql, ...values);
    if (!row) throw new errors.EntityNotFoundError(this.entityType, id);
    const before: Loose = {};
    const after: Loose = {};
    for (const [column, value] of Object.entries(row)) {
      if (column.startsWith(BEFORE_PREFIX)) before[column.slice(BEFORE_PREFIX.length)] = value;
      else after[column] = value;
    }
    this.recent.remember(id, after as Row);
    return { before: this.toDomain(before as Row), after: this.toDomain(after as Row) };
  }

  async #compareAndSet(
    statements: UpdateStatements,
    select: string,
    id: IdOf<T>,
    set: readonly Assignment[],
    recording: Recording<T> | null,
  ): Promise<{ before: T; after: T } | null> {
    const remembered = this.recent.get(id);
    const trying = remembered !== undefined && this.recent.worthTrying();
    if (trying) {
      // The row as this repository last saw it: when it still holds exactly that, the SELECT is saved.
      const done = await this.#attempt(statements, id, set, remembered, recording);
      this.recent.found(!done);
      if (done) return done;
    }
    let [read] = await this.client.$queryRawUnsafe<Row[]>(select, id);
    if (remembered && !trying) this.recent.found(!read || !sameValues(read as Loose, remembered as Loose));
    for (let attempt = 1; attempt <= MAX_COMPARE_AND_SET_ATTEMPTS; attempt += 1) {
      if (!read) {
        this.recent.forget(id);
        throw new errors.EntityNotFoundError(this.entityType, id);
      }
      const done = await this.#attempt(statements, id, set, read, recording);
      if (done) return done;
      const [again] = await this.client.$queryRawUnsafe<Row[]>(select, id);
      if (again && sameValues(again as Loose, read as Loose)) {
        this.recent.forget(id);
        return null;
      }
      read = again;
    }
    this.recent.forget(id);
    return null;
  }

  /**
   * One compare-and-set against `read` (the row as read, or as remembered): the change, or null when the row no longer
   * holds `read` (or is gone).
   */
  async #attempt(
    statements: UpdateStatements,
    id: IdOf<T>,
    set: readonly Assignment[],
    read: Row,
    recording: Recording<T> | null,
  ): Promise<{ before: T; after: T } | null> {
    const before = this.toDomain(read);
    const keys = recording ? recording.affected(before, this.toDomain({ ...read, ...Object.fromEntries(set) })) : [];
    const written = await this.#write(statements, id, set, read, keys, recording);
    if (!written) return null;
    this.recent.remember(id, written);
    const after = this.toDomain(written);
    if (recording) await this.#recordMissedKeys(recording, keys, recording.affected(before, after));
    return { before, after };
  }

  async #write(
    statements: UpdateStatements,
    id: IdOf<T>,
    set: readonly Assignment[],
    expected: Row,
    keys: readonly string[],
    recording: Recording<T> | null,
  ): Promise<Row | null> {
    if (!recording || keys.length === 0) {
      const { sql, values } = statements.compareAndSet(id, set, expected as Loose);
      const [row] = await this.client.$queryRawUnsafe<Row[]>(sql, ...values);
      return row ?? null;
    }
    const json = JSON.stringify(keys);
    if (recording.dialect === 'postgresql') {
      const { sql, values } = statements.compareAndSetRecorded(id, set, expected as Loose, json, new Date());
      const [row] = await this.client.$queryRawUnsafe<Row[]>(sql, ...values);
      return row ?? null;
    }
    const { sql, values } = statements.compareAndSet(id, set, expected as Loose);
    const [rows] = await this.client.$transaction([
      this.client.$queryRawUnsafe<Row[]>(sql, ...values),
      this.client.$executeRawUnsafe(SQLITE_OUTBOX_IF_CHANGED, json, new Date()),
    ]);
    return rows[0] ?? null;
  }

  /**
   * The row came back as bound (the probe proved it), so the keys recorded before the write are
   * the ones of the change. Should the database have stored something else after all, the
   * keys of what it stored are recorded too, in a row of their own (the cached repository
   * invalidates those keys right away as well).
   */
  async #recordMissedKeys(
    recording: Recording<T>,
    recorded: readonly string[],
    actual: readonly string[],
  ): Promise<void> {
    const missed = actual.filter((key) => !recorded.includes(key));
    if (missed.length > 0) await insertOutboxRow(this.client, missed, recording.dialect);
  }
}
