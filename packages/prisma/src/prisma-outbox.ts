import type { InvalidationOutbox, OutboxEntry } from '@cachedrepo/core';

/**
 * The `CacheOutbox` model an application adds to its Prisma schema (copy it from
 * `@cachedrepo/prisma/outbox.prisma`):
 * `model CacheOutbox { id Int @id @default(autoincrement())  keys String  createdAt DateTime @default(now()) }`.
 * This is the slice of its delegate the outbox uses.
 */
export interface OutboxModel {
  cacheOutbox: {
    create(args: { data: { keys: string } }): PromiseLike<unknown>;
    findMany(args: { orderBy: { id: 'asc' }; take: number }): PromiseLike<{ id: number; keys: string }[]>;
    deleteMany(args: { where: { id: { in: number[] } } }): PromiseLike<unknown>;
    count(): PromiseLike<number>;
  };
}

/**
 * Records the keys a write made stale, inside the write's transaction `tx` (one INSERT).
 * Nothing is recorded for an empty list.
 */
export async function recordInvalidation(tx: OutboxModel, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  await tx.cacheOutbox.create({ data: { keys: JSON.stringify(keys) } });
}

/**
 * The invalidation outbox in the `CacheOutbox` table, for a `CacheService`'s `outbox` option.
 * Rows are written by the Prisma repositories' recorded writes and removed once delivered.
 */
export class PrismaOutbox implements InvalidationOutbox {
  constructor(private readonly prisma: OutboxModel) {}

  async read(limit: number): Promise<OutboxEntry[]> {
    const rows = await this.prisma.cacheOutbox.findMany({ orderBy: { id: 'asc' }, take: limit });
    return rows.map((row) => ({ id: String(row.id), keys: parseKeys(row.keys) }));
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.prisma.cacheOutbox.deleteMany({ where: { id: { in: ids.map(Number) } } });
  }

  /** Rows waiting for delivery (for health checks and tests). */
  async size(): Promise<number> {
    return this.prisma.cacheOutbox.count();
  }
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
