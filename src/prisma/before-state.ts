import {
  parameter,
  plainScalarFields,
  quoteIdentifier,
  rawSqlDialect,
  sameShape,
  sameValues,
  type RawSqlClient,
  type RawSqlDialect,
} from './raw-sql';

import type { PointReadStatements } from './point-reads';

const FOR_UPDATE = ' FOR UPDATE';
/** Probes that saw the row change between their two reads before the fast path is given up. */
const MAX_INCONCLUSIVE_PROBES = 3;

type ProbeState = { kind: 'unknown'; inconclusive: number } | { kind: 'verified' } | { kind: 'refused' };

/**
 * Reads the row a write is about to replace with one raw SELECT instead of a Prisma
 * `findUnique`, once it has proved that the raw SELECT returns what `findUnique` does.
 *
 * The statement is `SELECT <every scalar field> FROM "<Model>" WHERE "id" = ?`, with
 * `FOR UPDATE` on PostgreSQL: run inside the write's transaction, it locks the row until the
 * commit, so the row the update then replaces is the one read (under READ COMMITTED an UPDATE
 * would otherwise apply to a row a concurrent transaction committed after the read:
 * https://www.postgresql.org/docs/15/transaction-iso.html#XACT-READ-COMMITTED). SQLite has no
 * row locks and needs none: a write transaction there holds the database's write lock (taken
 * up front by `BEGIN IMMEDIATE`, or failing with SQLITE_BUSY on a deferred `BEGIN` when another
 * connection wrote in between).
 *
 * Used only when every scalar field has a plain type (String, Int, Float, Boolean, DateTime),
 * the client is SQLite or PostgreSQL, and a probe (outside any transaction: the raw SELECT and
 * `findUnique` of one id) returned rows of the same columns, types and values. A model mapped to
 * another table or columns (`@@map`, `@map`), or a client whose raw SQL sees another PostgreSQL
 * schema than its queries, fails the probe and keeps `findUnique`.
 */
export class BeforeStateReader<Row> {
  #state: ProbeState = { kind: 'unknown', inconclusive: 0 };
  readonly #dialect: RawSqlDialect | null;
  readonly #select: string | null;
  /** `SELECT <columns> FROM "<Model>" WHERE "id"`: the statements' common part. */
  readonly #selectWhereId: string | null;

  constructor(
    private readonly client: RawSqlClient,
    private readonly model: { findUnique(args: { where: { id: unknown } }): PromiseLike<Row | null>; fields?: unknown },
  ) {
    this.#dialect = rawSqlDialect(client);
    this.#selectWhereId = this.#dialect ? selectWhereId(model.fields) : null;
    this.#select = this.#dialect && this.#selectWhereId ? lockingSelect(this.#dialect, this.#selectWhereId) : null;
    if (!this.#select) this.#state = { kind: 'refused' };
  }

  /** Whether the raw SELECT is in use. */
  get verified(): boolean {
    return this.#state.kind === 'verified';
  }

  /**
   * The raw SELECT of one row by id (bind the id as its only parameter), to run inside the
   * write's transaction; null while unproven or refused (read with `findUnique` then). The
   * first calls run the probe on `id`.
   */
  async statementFor(id: unknown): Promise<string | null> {
    if (this.#state.kind === 'unknown') await this.#probe(id);
    return this.#state.kind === 'verified' ? this.#select : null;
  }

  /**
   * Like {@link statementFor}, without `FOR UPDATE`: the raw SELECT for a read outside any
   * transaction (a repository's `findById`: about a third of the cost of `findUnique`).
   */
  async readStatementFor(id: unknown): Promise<string | null> {
    const select = await this.statementFor(id);
    return select && this.#dialect === 'postgresql' ? select.slice(0, -FOR_UPDATE.length) : select;
  }

  /**
   * The raw SELECTs of `findById`'s point reads outside any transaction (`PointReads`): of one id, and of several
   * (`WHERE "id" IN (...)`, bind the ids in order); null until {@link readStatementFor} has returned a statement.
   */
  get pointReadStatements(): PointReadStatements | null {
    const [dialect, selectWhereId] = [this.#dialect, this.#selectWhereId];
    if (this.#state.kind !== 'verified' || !dialect || !selectWhereId) return null;
    return {
      one: `${selectWhereId} = ${parameter(dialect, 1)}`,
      many: (count) => {
        const list = Array.from({ length: count }, (_, index) => parameter(dialect, index + 1));
        return `${selectWhereId} IN (${list.join(', ')})`;
      },
    };
  }

  async #probe(id: unknown): Promise<void> {
    const select = this.#select as string;
    const probeSql = this.#dialect === 'postgresql' ? select.slice(0, -FOR_UPDATE.length) : select;
    let raw: Row | undefined;
    let compiled: Row | null;
    try {
      [raw] = await this.client.$queryRawUnsafe<Row[]>(probeSql, id);
      compiled = await this.model.findUnique({ where: { id } });
    } catch {
      // No such table or column here (a mapped model), or no raw SQL at all.
      this.#state = { kind: 'refused' };
      return;
    }
    if (this.#state.kind !== 'unknown') return; // a concurrent probe decided
    if (!raw && !compiled) return; // nothing to compare yet: probe again next time
    const a = (raw ?? null) as Record<string, unknown> | null;
    const b = compiled as Record<string, unknown> | null;
    if (a && b && sameShape(a, b) && sameValues(a, b)) {
      this.#state = { kind: 'verified' };
    } else if (a && b && sameShape(a, b)) {
      // Same columns, other values: the row changed between the reads, or raw SQL reads another table.
      const inconclusive = this.#state.inconclusive + 1;
      this.#state = inconclusive >= MAX_INCONCLUSIVE_PROBES ? { kind: 'refused' } : { kind: 'unknown', inconclusive };
    } else {
      this.#state = { kind: 'refused' };
    }
  }
}

/**
 * `SELECT <scalar fields> FROM "<Model>" WHERE "id"`, or null when a field is not of a plain type or the fields are
 * not known.
 */
function selectWhereId(fields: unknown): string | null {
  const refs = plainScalarFields(fields);
  if (!refs) return null;
  const columns = refs.map((field) => quoteIdentifier(field.name)).join(', ');
  return `SELECT ${columns} FROM ${quoteIdentifier((refs[0] as { modelName: string }).modelName)} WHERE "id"`;
}

/** The SELECT of one id, locking the row on PostgreSQL. */
function lockingSelect(dialect: RawSqlDialect, selectWhereId: string): string {
  const sql = `${selectWhereId} = ${parameter(dialect, 1)}`;
  return dialect === 'postgresql' ? `${sql}${FOR_UPDATE}` : sql;
}
