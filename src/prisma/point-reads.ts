import type { RawSqlClient } from './raw-sql';

/** Ids sent in one `IN` list at most (SQLite binds up to 32,766 parameters, PostgreSQL 65,535). */
const MAX_IDS_PER_STATEMENT = 500;

interface Waiting<Row> {
  id: unknown;
  resolve(row: Row | undefined): void;
  reject(error: unknown): void;
}

/** The raw statements of {@link PointReads}: the SELECT of one id, and of `count` ids (`WHERE "id" IN (...)`). */
export interface PointReadStatements {
  one: string;
  many(count: number): string;
}

/**
 * Reads of one row by id, gathered per tick: the reads asked for while the current task and its microtasks run are
 * sent together when they are done (`process.nextTick`), as the one-row SELECT when there is one, else as one
 * `SELECT ... WHERE "id" IN (...)` (up to 500 ids a statement). The dataloader pattern, as Prisma batches concurrent
 * `findUnique` calls of a tick into one query (Prisma docs, "Query optimization": "Solving the n+1 problem"): under
 * load most of a statement's cost is Prisma's own work per statement, not the database's per row (in a 4-process YCSB
 * B run the library's loads were 1.4 statements per update, 0.7 with this; cache-manager's `findUnique` loads, which
 * Prisma batched, 0.33: REDIS_CACHE.md section 14).
 *
 * Each read's statement is sent after the read was asked for (never joined to one already sent), so it reflects every
 * write that completed before the read began, as a read of its own would: a cache-aside load under a lease stays
 * after its lease. A read alone costs one `nextTick`. Rows are matched to reads by the text of their id (`String`:
 * the raw path binds scalar ids only); a row read for several reads of the same id is handed out once and copied
 * (`structuredClone`) for the others.
 */
export class PointReads<Row extends object> {
  #waiting: Waiting<Row>[] = [];

  constructor(
    private readonly client: RawSqlClient,
    private readonly statements: PointReadStatements,
  ) {}

  /** The row of `id`, or undefined when there is none. Rejects with the statement's error when it fails. */
  read(id: unknown): Promise<Row | undefined> {
    return new Promise<Row | undefined>((resolve, reject) => {
      if (this.#waiting.push({ id, resolve, reject }) === 1) process.nextTick(() => this.#send());
    });
  }

  #send(): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    if (waiting.length === 1) {
      const [only] = waiting as [Waiting<Row>];
      this.client.$queryRawUnsafe<Row[]>(this.statements.one, only.id).then(
        (rows) => only.resolve(rows[0]),
        (error: unknown) => only.reject(error),
      );
      return;
    }
    for (let start = 0; start < waiting.length; start += MAX_IDS_PER_STATEMENT)
      void this.#sendMany(waiting.slice(start, start + MAX_IDS_PER_STATEMENT));
  }

  async #sendMany(waiting: readonly Waiting<Row>[]): Promise<void> {
    const ids = [...new Set(waiting.map((read) => read.id))];
    let rows: Row[];
    try {
      rows = await this.client.$queryRawUnsafe<Row[]>(this.statements.many(ids.length), ...ids);
    } catch (error) {
      for (const read of waiting) read.reject(error);
      return;
    }
    const byId = new Map<string, Row>();
    for (const row of rows) byId.set(String((row as { id?: unknown }).id), row);
    const handedOut = new Set<string>();
    for (const read of waiting) {
      const text = String(read.id);
      const row = byId.get(text);
      if (row === undefined || !handedOut.has(text)) {
        handedOut.add(text);
        read.resolve(row);
      } else read.resolve(structuredClone(row));
    }
  }
}
