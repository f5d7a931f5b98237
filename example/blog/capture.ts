import { Client } from 'pg';
import type { CacheLogger, CacheService } from 'cachedrepo';
import {
  capturedColumns,
  ChangeCapture,
  installSqliteCapture,
  PostgresChangeSource,
  postgresCaptureSql,
  prismaSqlClient,
  SqliteChangeSource,
  type ChangeSource,
} from 'cachedrepo/capture';
// The first example's Prisma client factory (the SQLite adapter, the PostgreSQL schema of a URL): infrastructure,
// not caching, so the blog reuses it rather than copy it.
import { createPrismaClient, databaseProvider, postgresTarget } from '../infrastructure/prisma/database';
import { blogCaptureStrategies } from './cache/strategies';

/** Options of {@link startBlogCapture}. */
export interface BlogCaptureOptions {
  /**
   * Run the capture's setup SQL first (SQLite: the change table and triggers; PostgreSQL: REPLICA IDENTITY FULL and
   * the publication), as a migration step would. One process is enough: on SQLite, a second process rewriting the
   * triggers while the first one writes may wait past the busy timeout (SQLITE_BUSY). @default true
   */
  install?: boolean;
  /** PostgreSQL: the replication slot. @default `blog_capture` */
  slot?: string;
  /** Poll interval of the consumer, in milliseconds. @default the library's (ChangeCaptureOptions) */
  pollIntervalMs?: number;
  /** Consumer lease, in milliseconds. @default the library's */
  leaseMs?: number;
  logger?: CacheLogger;
}

/** A running capture consumer. */
export interface BlogCapture {
  capture: ChangeCapture;
  stop(): Promise<void>;
}

/**
 * Change capture of the blog's seven tables (REDIS_CACHE.md section 16): cascaded deletes (a member's articles,
 * favorites, follows and comments; an article's tag links) and writes made outside the repositories invalidate the
 * keys the same strategies name. Installs the capture first unless told not to (`install`). Every process may start
 * it: one at a time reads (the consumer lease).
 * @throws {CaptureSetupError} when the database is not set up for capture (PostgreSQL without wal_level=logical)
 */
export async function startBlogCapture(
  cache: CacheService,
  databaseUrl: string,
  options: BlogCaptureOptions = {},
): Promise<BlogCapture> {
  const strategies = blogCaptureStrategies();
  const tables = capturedColumns(strategies);
  let source: ChangeSource;
  let closeConnection = async (): Promise<void> => undefined;
  if (databaseProvider(databaseUrl) === 'postgresql') {
    const { connectionString, schema } = postgresTarget(databaseUrl);
    if (options.install ?? true) {
      const client = new Client({ connectionString });
      await client.connect();
      try {
        await client.query(postgresCaptureSql(tables, { schema }));
      } finally {
        await client.end();
      }
    }
    source = new PostgresChangeSource({ connection: connectionString, schema, slot: options.slot ?? 'blog_capture' });
  } else {
    // A connection of its own: polling does not wait behind the application's statements.
    const prisma = createPrismaClient(databaseUrl);
    closeConnection = () => prisma.$disconnect();
    const sql = prismaSqlClient(prisma);
    if (options.install ?? true) await installSqliteCapture(sql, tables);
    source = new SqliteChangeSource(sql);
  }
  const capture = new ChangeCapture(cache, source, {
    strategies,
    ...(options.logger && { logger: options.logger }),
    ...(options.pollIntervalMs !== undefined && { pollIntervalMs: options.pollIntervalMs }),
    ...(options.leaseMs !== undefined && { leaseMs: options.leaseMs }),
  });
  try {
    await capture.start();
  } catch (error) {
    await source.close();
    await closeConnection();
    throw error;
  }
  return {
    capture,
    stop: async () => {
      await capture.stop();
      await closeConnection();
    },
  };
}
