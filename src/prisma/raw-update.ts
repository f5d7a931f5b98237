import {
  plainScalarFields,
  rawSqlDialect,
  sameShape,
  sameValue,
  sameValues,
  type FieldRef,
  type RawSqlClient,
} from './raw-sql';
import { UpdateStatements, type Assignment } from './raw-update-sql';

/** The slice of a model delegate the probe uses (on a transaction client). */
export interface ProbedModel<Row> {
  findUnique(args: { where: { id: unknown } }): PromiseLike<Row | null>;
  update(args: { where: { id: unknown }; data: object }): PromiseLike<Row>;
}

/** Runs `probe` in an interactive transaction and rolls it back (it throws what `probe` throws). */
export type RolledBackTransaction<Row> = (
  probe: (tx: RawSqlClient, model: ProbedModel<Row>) => Promise<void>,
) => Promise<void>;

/** Thrown to roll a probe's transaction back. */
const ROLL_BACK = Symbol('roll back');

/** The {@link RolledBackTransaction} of a client's interactive transactions, on the model `modelOf` gives. */
export function rollingBack<Tx extends RawSqlClient, Row>(
  client: { $transaction<R>(run: (tx: Tx) => Promise<R>): PromiseLike<R> },
  modelOf: (tx: Tx) => ProbedModel<Row>,
): RolledBackTransaction<Row> {
  return async (probe) => {
    try {
      await client.$transaction(async (tx) => {
        await probe(tx, modelOf(tx));
        throw ROLL_BACK;
      });
    } catch (error) {
      if (error !== ROLL_BACK) throw error;
    }
  };
}

type Verdict = { auto: string[] } | 'refused' | 'inconclusive';

/** Probes that ended without an answer (the row vanished, the database failed) before the raw UPDATE is given up. */
const MAX_PROBES = 5;
/**
 * A DateTime no clock shows today: the probe sets the DateTime fields to it to see which ones Prisma's update
 * overwrites.
 */
const SENTINEL = new Date(Date.UTC(2000, 0, 1));

/**
 * Turns Prisma update data into a raw `UPDATE ... SET`, once it has proved, for the model and the
 * types of the values, that the raw statement writes what Prisma's `update` writes.
 *
 * A compiled Prisma update costs about 2.5 times a raw one (bench/databases.ts): the query
 * compiler and result mapping of Prisma 6's JS engine run per call. Translated: data whose keys
 * are scalar fields of the model other than `id` and whose values are `undefined` (skipped),
 * null, a string, a safe integer (Int), a finite number (Float), a boolean, a valid Date
 * (DateTime), or `{ set: <one of those> }`. Anything else (`increment`, relations, a string for a
 * DateTime...) keeps Prisma's own update.
 *
 * The probe (per type of value, in a transaction it rolls back, on the row being updated): sets
 * the DateTime fields the data leaves out to a sentinel with Prisma, updates with Prisma, and
 * takes the DateTime fields that no longer hold the sentinel as the ones Prisma sets by itself
 * (`@updatedAt`; any other field that changed refuses the model); then runs the raw UPDATE with
 * the same data (and the current time in those fields) and requires that it returned the values
 * it was given, the values Prisma wrote, and exactly what `findUnique` then reads.
 */
export class RawUpdateWriter<Row> {
  readonly statements: UpdateStatements | null;
  readonly #fields: ReadonlyMap<string, FieldRef>;
  readonly #dateFields: readonly string[];
  readonly #verifiedTypes = new Set<string>();
  /** DateTime fields a probe left out of its data, and so knows whether Prisma sets them by itself. */
  readonly #observedDateFields = new Set<string>();
  /** The fields Prisma sets by itself on update (`@updatedAt`), found by the probes. */
  readonly #autoFields = new Set<string>();
  #refused = false;
  #failedProbes = 0;
  #probing: Promise<void> | null = null;

  constructor(
    client: object,
    fields: unknown,
    private readonly inRolledBackTransaction: RolledBackTransaction<Row>,
  ) {
    const dialect = rawSqlDialect(client);
    const refs = dialect ? plainScalarFields(fields) : null;
    this.#fields = new Map((refs ?? []).map((field) => [field.name, field]));
    this.statements = dialect && refs ? new UpdateStatements(dialect, refs) : null;
    this.#dateFields = (refs ?? []).filter((field) => field.typeName === 'DateTime').map((field) => field.name);
    if (!this.statements) this.#refused = true;
  }

  /**
   * The columns and values to SET for `data` (the fields Prisma sets by itself included, with
   * the current time), or null when the raw UPDATE is not (or not yet) proven for it: update with
   * Prisma then. Runs the probe on `id` when `data` has a type not proven yet.
   */
  async assignmentsFor(id: unknown, data: object): Promise<Assignment[] | null> {
    if (this.#refused) return null;
    const set = translate(data, this.#fields);
    if (!set) return null;
    if (!this.#proven(set)) {
      if (this.#failedProbes >= MAX_PROBES) return null;
      await (this.#probing ??= this.#probe(id, set).finally(() => (this.#probing = null)));
      if (this.#refused || !this.#proven(set)) return null;
    }
    return this.#withAutoFields(set);
  }

  /**
   * Whether a probe has shown the raw UPDATE right for values of these types and for the DateTime fields `set` leaves
   * to Prisma.
   */
  #proven(set: readonly Assignment[]): boolean {
    const named = new Set(set.map(([name]) => name));
    return (
      this.#verifiedTypes.size > 0 &&
      typesOf(set, this.#fields).every((type) => this.#verifiedTypes.has(type)) &&
      this.#dateFields.every((name) => named.has(name) || this.#observedDateFields.has(name))
    );
  }

  #withAutoFields(set: Assignment[]): Assignment[] {
    const now = new Date();
    const named = new Set(set.map(([name]) => name));
    return [...set, ...[...this.#autoFields].filter((name) => !named.has(name)).map((name): Assignment => [name, now])];
  }

  async #probe(id: unknown, set: Assignment[]): Promise<void> {
    const statements = this.statements as UpdateStatements;
    const named = new Set(set.map(([name]) => name));
    const dateFields = this.#dateFields.filter((name) => !named.has(name));
    // Assigned in the callback, which TypeScript's narrowing does not follow.
    let verdict = 'inconclusive' as Verdict;
    try {
      await this.inRolledBackTransaction(async (tx, model) => {
        const original = (await model.findUnique({ where: { id } })) as Record<string, unknown> | null;
        if (!original) return; // nothing to probe on: inconclusive
        if (dateFields.length > 0)
          await model.update({ where: { id }, data: Object.fromEntries(dateFields.map((name) => [name, SENTINEL])) });
        const compiled = (await model.update({ where: { id }, data: Object.fromEntries(set) })) as Record<
          string,
          unknown
        >;
        const auto = dateFields.filter((name) => !sameValue(compiled[name], SENTINEL));
        const implicit = [...this.#fields.keys()].filter(
          (name) => !named.has(name) && !dateFields.includes(name) && !sameValue(compiled[name], original[name]),
        );
        if (implicit.length > 0) {
          // Prisma or the database changed a field the data does not name: not something SET can copy
          verdict = 'refused';
          return;
        }
        const now = new Date();
        const full: Assignment[] = [...set, ...auto.map((name): Assignment => [name, now])];
        const { sql, values } = statements.update(id, full);
        const [raw] = await tx.$queryRawUnsafe<Record<string, unknown>[]>(sql, ...values);
        const readBack = (await model.findUnique({ where: { id } })) as Record<string, unknown> | null;
        const faithful =
          raw !== undefined &&
          readBack !== null &&
          sameShape(raw, readBack) &&
          sameValues(raw, readBack) &&
          full.every(([name, value]) => sameValue(raw[name], value)) &&
          set.every(([name]) => sameValue(raw[name], compiled[name]));
        verdict = faithful ? { auto } : 'refused';
      });
    } catch {
      // The row vanished (P2025), the database failed, or raw SQL cannot reach the table: no answer.
    }
    if (verdict === 'refused') {
      this.#refused = true;
    } else if (verdict === 'inconclusive') {
      this.#failedProbes += 1;
    } else {
      for (const name of dateFields) this.#observedDateFields.add(name);
      for (const name of verdict.auto) this.#autoFields.add(name);
      for (const type of typesOf(set, this.#fields)) this.#verifiedTypes.add(type);
      if (verdict.auto.length > 0) this.#verifiedTypes.add('DateTime');
      this.#verifiedTypes.add('null'); // a probe ran: a set of nulls only needs no more
    }
  }
}

/**
 * The assignments of Prisma update `data`, or null when a key or a value is not one the raw UPDATE writes (see {@link
 * RawUpdateWriter}).
 */
export function translate(data: object, fields: ReadonlyMap<string, FieldRef>): Assignment[] | null {
  if (Object.getPrototypeOf(data) !== Object.prototype) return null;
  const set: Assignment[] = [];
  for (const [name, given] of Object.entries(data)) {
    if (given === undefined) continue;
    const field = fields.get(name);
    if (!field || name === 'id') return null;
    const value: unknown = isSetOperation(given) ? given.set : given;
    if (!fitsType(value, field.typeName)) return null;
    set.push([name, value]);
  }
  return set.length > 0 ? set : null;
}

function isSetOperation(value: unknown): value is { set: unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.getPrototypeOf(value) === Object.prototype &&
    Object.keys(value).length === 1 &&
    'set' in value
  );
}

function fitsType(value: unknown, typeName: string): boolean {
  if (value === null) return true;
  switch (typeName) {
    case 'String':
      return typeof value === 'string';
    case 'Int':
      return Number.isSafeInteger(value);
    case 'Float':
      return typeof value === 'number' && Number.isFinite(value);
    case 'Boolean':
      return typeof value === 'boolean';
    case 'DateTime':
      return value instanceof Date && !Number.isNaN(value.getTime());
    default:
      return false;
  }
}

/** The types of the non-null values of `set` (a null is bound the same way whatever the column's type). */
function typesOf(set: readonly Assignment[], fields: ReadonlyMap<string, FieldRef>): string[] {
  return [
    ...new Set(set.filter(([, value]) => value !== null).map(([name]) => (fields.get(name) as FieldRef).typeName)),
  ];
}
