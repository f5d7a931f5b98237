import type { InvalidationOutbox, OutboxEntry } from '../../cache/outbox';
import type { Prisma, PrismaClient } from '../../../generated/prisma/client';

/**
 * Records the keys a write made stale, inside the write's transaction `tx` (one INSERT).
 * Nothing is recorded for an empty list.
 */
export async function recordInvalidation(tx: Prisma.TransactionClient, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  await tx.cacheOutbox.create({ data: { keys: JSON.stringify(keys) } });
}

/**
 * The invalidation outbox in the `CacheOutbox` table, for a `CacheService`'s `outbox` option.
 * Rows are written by the Prisma repositories' recorded writes and removed once delivered.
 */
export class PrismaOutbox implements InvalidationOutbox {
  constructor(private readonly prisma: PrismaClient) {}

  async read(limit: number): Promise<OutboxEntry[]> {
    const rows = await this.prisma.cacheOutbox.findMany({ orderBy: { id: 'asc' }, take: limit });
    return rows.map((row) => ({ id: String(row.id), keys: parseKeys(row.keys) }));
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.prisma.cacheOutbox.deleteMany({ where: { id: { in: ids.map(Number) } } });
  }

  /** Rows waiting for delivery (for health checks and tests). */
  size(): Promise<number> {
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
