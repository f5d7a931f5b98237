import { distinctBy, type IdCodec } from '../ids/index';
import { errors } from '../index';

/** Prisma's "record to update/delete does not exist" error (P2025), from any generated client. */
export function isRecordNotFound(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === 'PrismaClientKnownRequestError' &&
    (error as { code?: unknown }).code === 'P2025'
  );
}

/** What `run` resolves to, or null when it fails with {@link isRecordNotFound} (a delete of a missing id). */
export async function nullIfRecordNotFound<R>(run: () => Promise<R>): Promise<R | null> {
  try {
    return await run();
  } catch (error) {
    if (isRecordNotFound(error)) return null;
    throw error;
  }
}

/** What tells ids apart: an id codec's `text` (needed for composite ids, which are objects). */
export type IdText<Id> = Pick<IdCodec<Id>, 'text'>;

/** `ids` without duplicates, first occurrence kept; `codec` tells composite ids apart (scalars compare as they are). */
export function distinctIds<Id>(ids: readonly Id[], codec?: IdText<Id>): Id[] {
  return codec ? distinctBy(ids, (id) => codec.text(id)) : [...new Set(ids)];
}

/**
 * Puts `items` in the order of `ids`, leaving out ids without an item.
 * An id repeated in `ids` yields its item once, at its first position. `codec` tells composite ids apart.
 */
export function orderByIds<Id, T extends { id: Id }>(ids: readonly Id[], items: readonly T[], codec?: IdText<Id>): T[] {
  const keyOf = (id: Id): unknown => (codec ? codec.text(id) : id);
  const byId = new Map(items.map((item) => [keyOf(item.id), item] as const));
  const ordered: T[] = [];
  for (const id of distinctIds(ids, codec)) {
    const item = byId.get(keyOf(id));
    if (item) ordered.push(item);
  }
  return ordered;
}

/** A Prisma `orderBy` list over scalar columns. */
export type OrderBy = Array<Record<string, 'asc' | 'desc'>>;

/**
 * The default listing order of every entity: oldest first, ties broken by id. One list shared by every repository,
 * so it is frozen; typed as the mutable `OrderBy` that Prisma's `orderBy` accepts (Prisma only reads it).
 */
export const byCreation: OrderBy = Object.freeze<OrderBy[number][]>([{ createdAt: 'asc' }, { id: 'asc' }]) as OrderBy;

/**
 * Checks a listing order against the model's scalar fields (`prisma.<model>.fields`), so that an order naming a
 * column the model lacks fails when the repository is built rather than at its first list: typically `byCreation`
 * (`createdAt`, then `id`) on a model with a composite id (no `id` column) or without `createdAt`.
 * @param fields the delegate's field references; nothing is checked when the delegate has none (not a generated client)
 * @throws {StrategyError} naming the missing column and the model's columns
 */
export function checkListOrder(entityType: string, listOrder: OrderBy, fields: unknown): void {
  if (!fields || typeof fields !== 'object') return;
  const columns = Object.values(fields as Record<string, { name?: unknown }>).map((field) => String(field?.name));
  for (const entry of listOrder)
    for (const [column, direction] of Object.entries(entry))
      if (typeof direction === 'string' && !columns.includes(column))
        throw new errors.StrategyError(
          `${entityType} listOrder orders by ${column}, which the model does not have (its columns: ` +
            `${columns.join(', ')}); a composite id is ordered by its key columns, e.g. ` +
            `[{ createdAt: 'asc' }, { ${columns[0] ?? 'keyColumn'}: 'asc' }]`,
        );
}

/** `value` unless it is `undefined`; for mapping optional changes to Prisma update data. */
export function ifDefined<T, R>(value: T | undefined, map: (value: T) => R): R | undefined {
  return value === undefined ? undefined : map(value);
}

/** What {@link keyColumnsOf} reads of a capture declaration (`CapturedTable`, `cachedrepo/capture`). */
export interface KeyTable {
  readonly table: string;
  readonly columns: readonly string[];
}

/**
 * The columns a capture declaration names for `table` (a model's table and columns as raw SQL names them), or null:
 * no declaration for it, or one naming a column the model does not have.
 */
export function keyColumnsOf(
  tables: readonly KeyTable[],
  table: { name: string; columns: readonly string[] } | null,
): readonly string[] | null {
  const declared = table ? tables.find((candidate) => candidate.table === table.name) : undefined;
  return table && declared?.columns.every((column) => table.columns.includes(column)) ? declared.columns : null;
}
