import type { InvalidationOutbox } from '../index';

/** One outbox row as the deliverer reads it. */
type OutboxEntry = Awaited<ReturnType<InvalidationOutbox['read']>>[number];
import { outboxRawSql, parameter, rawSqlDialect, type RawSqlClient, type RawSqlDialect } from './raw-sql';

/**
 * The `CacheOutbox` model an application adds to its Prisma schema (copy it from
 * `cachedrepo/outbox.prisma`):
 * `model CacheOutbox { id Int @id @default(autoincrement())  keys String  createdAt DateTime @default(now()) }`.
 * This is the slice of its delegate the outbox uses.
 */
export interface OutboxModel {
  cacheOutbox: {
    create(args: { data: { keys: string } }): PromiseLike<{ id: number }>;
    findMany(args: { orderBy: { id: 'asc' }; take: number }): PromiseLike<{ id: number; keys: string }[]>;
    deleteMany(args: { where: { id: { in: number[] } } }): PromiseLike<unknown>;
    count(): PromiseLike<number>;
  };
}

/**
 * Records the keys a write made stale, inside the write's transaction `tx` (one INSERT, through
 * Prisma's `create`). Nothing is recorded for an empty list.
 */
export async function recordInvalidation(tx: OutboxModel, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  await tx.cacheOutbox.create({ data: { keys: JSON.stringify(keys) } });
}

/**
 * Like {@link recordInvalidation}, as one raw INSERT when `dialect` is given (about a third of
 * the cost of `create`: see raw-sql.ts); the caller has checked with a {@link RawOutboxCheck}
 * that the raw INSERT reaches the table Prisma's queries read.
 */
export async function insertOutboxRow(
  tx: OutboxModel & RawSqlClient,
  keys: readonly string[],
  dialect: RawSqlDialect | null,
): Promise<void> {
  if (keys.length === 0) return;
  if (!dialect) return recordInvalidation(tx, keys);
  await tx.$executeRawUnsafe(outboxRawSql(dialect), JSON.stringify(keys), new Date());
}

/** The transaction API {@link RawOutboxCheck} uses. */
interface InteractiveTransactions<Tx> {
  $transaction<R>(run: (tx: Tx) => Promise<R>): PromiseLike<R>;
}

/**
 * Whether the write path may INSERT outbox rows with raw SQL through `client`, and in which
 * dialect: in a transaction that is rolled back, a row is created with Prisma's `create` and must
 * be found by a raw SELECT of `"CacheOutbox"` (so the model is not mapped to another table, and
 * on PostgreSQL the raw statements see the schema the client's queries use). Checked once per
 * instance (each PrismaRepository and PrismaOutbox owns one), again after the database failed
 * the check; nothing is shared between instances.
 */
export class RawOutboxCheck<Tx extends OutboxModel & RawSqlClient> {
  #check: Promise<RawSqlDialect | null> | null = null;

  constructor(private readonly client: Tx & InteractiveTransactions<Tx>) {}

  /** The dialect of raw outbox INSERTs, or null (use `create`). */
  dialect(): Promise<RawSqlDialect | null> {
    this.#check ??= probeRawOutbox(this.client).then(
      (dialect) => dialect,
      () => {
        // The database failed before the raw SELECT could tell (not the probe's question): ask again next time.
        this.#check = null;
        return null;
      },
    );
    return this.#check;
  }
}

class RollBack extends Error {}

/** @throws whatever the transaction or Prisma's `create` threw (the raw SELECT's own failure means "no"). */
async function probeRawOutbox<Tx extends OutboxModel & RawSqlClient>(
  client: Tx & InteractiveTransactions<Tx>,
): Promise<RawSqlDialect | null> {
  const dialect = rawSqlDialect(client);
  if (!dialect) return null;
  let found: boolean | null = null;
  try {
    await client.$transaction(async (tx) => {
      const { id } = await tx.cacheOutbox.create({ data: { keys: '[]' } });
      try {
        const rows = await tx.$queryRawUnsafe<unknown[]>(
          `SELECT "id" FROM "CacheOutbox" WHERE "id" = ${parameter(dialect, 1)}`,
          id,
        );
        found = rows.length === 1;
      } catch {
        found = false; // no such table for raw SQL: the model is mapped, or raw SQL sees another schema
      }
      throw new RollBack();
    });
  } catch (error) {
    if (!(error instanceof RollBack) && found === null) throw error;
  }
  return found ? dialect : null;
}

/**
 * The invalidation outbox in the `CacheOutbox` table, for a `CacheService`'s `outbox` option.
 * Rows are written by the Prisma repositories' recorded writes and removed once delivered.
 * Given a generated client (raw SQL and transactions), `read` and `remove` are one raw SELECT
 * and one raw DELETE once its {@link RawOutboxCheck} has checked the table (the deliverer polls
 * every 100 ms by default: a compiled query costs about three raw ones); else Prisma's queries.
 */
export class PrismaOutbox implements InvalidationOutbox {
  readonly #rawCheck: RawOutboxCheck<OutboxModel & RawSqlClient> | null;

  constructor(private readonly prisma: OutboxModel) {
    this.#rawCheck = isRawClient(prisma) ? new RawOutboxCheck(prisma) : null;
  }

  /** Checked on first use (once per outbox; again after the database failed the check). */
  #rawDialect(): Promise<RawSqlDialect | null> {
    return this.#rawCheck ? this.#rawCheck.dialect() : Promise.resolve(null);
  }

  async read(limit: number): Promise<OutboxEntry[]> {
    const dialect = await this.#rawDialect();
    const rows = dialect
      ? await (this.prisma as RawOutboxClient).$queryRawUnsafe<{ id: number | bigint; keys: string }[]>(
          `SELECT "id", "keys" FROM "CacheOutbox" ORDER BY "id" LIMIT ${parameter(dialect, 1)}`,
          limit,
        )
      : await this.prisma.cacheOutbox.findMany({ orderBy: { id: 'asc' }, take: limit });
    return rows.map((row) => ({ id: String(row.id), keys: parseKeys(row.keys) }));
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const numbers = ids.map(Number);
    const dialect = await this.#rawDialect();
    if (!dialect) {
      await this.prisma.cacheOutbox.deleteMany({ where: { id: { in: numbers } } });
      return;
    }
    const list = numbers.map((_, index) => parameter(dialect, index + 1)).join(', ');
    await (this.prisma as RawOutboxClient).$executeRawUnsafe(
      `DELETE FROM "CacheOutbox" WHERE "id" IN (${list})`,
      ...numbers,
    );
  }

  /** Rows waiting for delivery (for health checks and tests). */
  async size(): Promise<number> {
    return this.prisma.cacheOutbox.count();
  }
}

type RawOutboxClient = OutboxModel & RawSqlClient & InteractiveTransactions<OutboxModel & RawSqlClient>;

function isRawClient(client: OutboxModel): client is RawOutboxClient {
  const candidate = client as Partial<RawOutboxClient>;
  return (
    typeof candidate.$queryRawUnsafe === 'function' &&
    typeof candidate.$executeRawUnsafe === 'function' &&
    typeof candidate.$transaction === 'function'
  );
}

/** The keys of a row; a row that is not a JSON array of strings yields none (and is removed with its batch). */
function parseKeys(text: string): string[] {
  try {
    const keys: unknown = JSON.parse(text);
    return Array.isArray(keys) ? keys.filter((key): key is string => typeof key === 'string') : [];
  } catch {
    return [];
  }
}
