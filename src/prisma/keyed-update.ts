import { errors } from '../index';
import type { ChangeLogRef, WriteReceipt } from '../capture/index';
import type { AnyEntity, IdOf } from '../ids/index';
import type { BeforeStateReader } from './before-state';
import type { RawSqlClient, RawSqlDialect } from './raw-sql';
import type { RawUpdateWriter } from './raw-update';
import { receiptColumns, takeReceipt } from './receipts';
import type { RecentRows } from './recent-rows';

/** Compare-and-set attempts that found the declared columns changed before the exact update takes over. */
const MAX_ATTEMPTS = 3;

type Loose = Record<string, unknown>;

/**
 * The update behind `PrismaRepository.updateReturningKeyState` on SQLite: one compare-and-set `UPDATE` of the columns a
 * strategy's capture declaration names (`KeyStateUpdateRepository`), autocommit, against the row as this repository
 * last read or wrote it (`RecentRows`, else one raw `SELECT`); when those columns changed meanwhile, the row is read
 * again and the write tried again, up to 3 times. SQLite's write lock is held for that one statement, as for Prisma's
 * own `update`, where the exact update takes a batch transaction (`BEGIN IMMEDIATE`, the `SELECT`, the `UPDATE`) that
 * holds it across three statements while the other processes sleep in SQLite's busy handler.
 *
 * The before-state returned: every column the `UPDATE` did not set as it returned it (unchanged by the statement);
 * every column it set as expected, exact where compared. Null (the caller takes the exact update) on another database
 * (PostgreSQL's exact update is already one statement), before the raw statements are proven for the model, or after
 * 3 attempts.
 */
export class KeyedUpdate<T extends AnyEntity, Row extends object> {
  constructor(
    private readonly entityType: string,
    private readonly client: RawSqlClient,
    private readonly dialect: RawSqlDialect | null,
    private readonly before: BeforeStateReader<Row>,
    private readonly writer: RawUpdateWriter<Row>,
    private readonly toDomain: (row: Row) => T,
    private readonly recent: RecentRows<Row>,
  ) {}

  /**
   * @param log the change log a started consumer reads: on SQLite the result carries the write's receipt
   * @throws {EntityNotFoundError} when `id` does not exist
   */
  async update(
    id: IdOf<T>,
    data: object,
    keyColumns: readonly string[],
    log?: ChangeLogRef | null,
  ): Promise<{ before: T; after: T; receipt?: WriteReceipt } | null> {
    const statements = this.writer.statements;
    if (!statements || this.dialect !== 'sqlite') return null;
    // One after the other: the first calls run the probes.
    const select = await this.before.readStatementFor(id);
    const set = select ? await this.writer.assignmentsFor(id, data) : null;
    if (!select || !set) return null;
    const read = async (): Promise<Row | undefined> => (await this.client.$queryRawUnsafe<Row[]>(select, id))[0];
    let expected = this.recent.get(id) ?? (await read());
    for (let attempt = 1; attempt <= MAX_ATTEMPTS && expected; attempt += 1) {
      const { sql, values } = statements.compareAndSet(id, set, expected as Loose, keyColumns);
      const [written] = await this.client.$queryRawUnsafe<Row[]>(
        sql + receiptColumns(log?.kind === 'sqlite' ? log : null),
        ...values,
      );
      if (written) {
        const receipt = takeReceipt(written as Loose);
        this.recent.remember(id, written);
        const assigned = expected as Loose;
        const before = { ...written, ...Object.fromEntries(set.map(([column]) => [column, assigned[column]])) };
        const change = { before: this.toDomain(before as Row), after: this.toDomain(written) };
        return receipt ? { ...change, receipt } : change;
      }
      expected = await read();
    }
    this.recent.forget(id);
    if (!expected) throw new errors.EntityNotFoundError(this.entityType, id);
    return null;
  }
}
