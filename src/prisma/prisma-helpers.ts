/** Prisma's "record to update/delete does not exist" error (P2025), from any generated client. */
export function isRecordNotFound(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === 'PrismaClientKnownRequestError' &&
    (error as { code?: unknown }).code === 'P2025'
  );
}

/** `ids` without duplicates, first occurrence kept. */
export function distinctIds(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

/**
 * Puts `items` in the order of `ids`, leaving out ids without an item.
 * An id repeated in `ids` yields its item once, at its first position.
 */
export function orderByIds<T extends { id: string }>(ids: readonly string[], items: readonly T[]): T[] {
  const byId = new Map(items.map((item) => [item.id, item] as const));
  const ordered: T[] = [];
  for (const id of distinctIds(ids)) {
    const item = byId.get(id);
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

/** `value` unless it is `undefined`; for mapping optional changes to Prisma update data. */
export function ifDefined<T, R>(value: T | undefined, map: (value: T) => R): R | undefined {
  return value === undefined ? undefined : map(value);
}
