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
  type AnyCacheStrategy,
  type ChangeCaptureOptions,
  type ChangeSource,
} from 'cachedrepo/capture';
import { createPrismaClient, databaseProvider, postgresTarget } from '../infrastructure/prisma/database';
import {
  cardCacheStrategy,
  childCacheStrategy,
  deckCacheStrategy,
  heroCacheStrategy,
  storyCacheStrategy,
} from '../strategies';

/**
 * Change capture for the example application (REDIS_CACHE.md section 16): every committed write to Hero, Child,
 * Story, Deck and Card, through the repositories or not, invalidates the keys it makes stale. PostgreSQL is read from
 * a logical replication slot, SQLite from the change table its triggers fill; which one follows from DATABASE_URL.
 */

/** Options of {@link startChangeCapture}. */
export interface StartCaptureOptions {
  /**
   * Run the capture's setup SQL first, as the application's migration step: on SQLite the change table and triggers,
   * on PostgreSQL REPLICA IDENTITY FULL and the publication (the role must own the tables). @default true
   */
  install?: boolean;
  /** PostgreSQL: the replication slot. @default `cachedrepo_capture`, or `cachedrepo_capture_{schema}` */
  slot?: string;
  /** The strategies whose tables are captured. @default the example's five, as {@link exampleCaptureStrategies} */
  strategies?: readonly AnyCacheStrategy[];
  logger?: CacheLogger;
  /** Poll interval and lease of the consumer (ms). */
  pollIntervalMs?: number;
  leaseMs?: number;
  /** How long the consumer waits for a writer's receipt after a commit (ms; `ChangeCaptureOptions`). */
  receiptWaitMs?: number;
}

/** A running capture consumer and how to stop it. */
export interface RunningCapture {
  capture: ChangeCapture;
  /** Stops the consumer and closes its database connections (not the cache service). */
  stop(): Promise<void>;
}

/** The example's strategies with their captured tables (keys do not depend on TTLs, so the defaults serve). */
export function exampleCaptureStrategies(): AnyCacheStrategy[] {
  return [heroCacheStrategy(), childCacheStrategy(), storyCacheStrategy(), deckCacheStrategy(), cardCacheStrategy()];
}

/**
 * Starts the capture consumer of the database at `databaseUrl` on `cacheService`. Every process of the application
 * may call it: one at a time reads (the consumer lease in Redis), the others take over when it stops.
 * @throws {CaptureSetupError} when the database is not set up for capture (wal_level, REPLICA IDENTITY, ...)
 */
export async function startChangeCapture(
  cacheService: CacheService,
  databaseUrl: string,
  options: StartCaptureOptions = {},
): Promise<RunningCapture> {
  const strategies = options.strategies ?? exampleCaptureStrategies();
  const tables = capturedColumns(strategies);
  const consumer: ChangeCaptureOptions = {
    strategies,
    ...(options.logger && { logger: options.logger }),
    ...(options.pollIntervalMs !== undefined && { pollIntervalMs: options.pollIntervalMs }),
    ...(options.leaseMs !== undefined && { leaseMs: options.leaseMs }),
    ...(options.receiptWaitMs !== undefined && { receiptWaitMs: options.receiptWaitMs }),
  };
  let source: ChangeSource;
  let closeConnection = async (): Promise<void> => undefined;
  if (databaseProvider(databaseUrl) === 'postgresql') {
    const { connectionString, schema } = postgresTarget(databaseUrl);
    if (options.install ?? true) await runPostgres(connectionString, postgresCaptureSql(tables, { schema }));
    source = new PostgresChangeSource({
      connection: connectionString,
      schema,
      slot: captureSlot(schema, options.slot),
    });
  } else {
    // A connection of its own: polling does not wait behind the application's statements.
    const prisma = createPrismaClient(databaseUrl);
    const sql = prismaSqlClient(prisma);
    closeConnection = () => prisma.$disconnect();
    if (options.install ?? true) await installSqliteCapture(sql, tables);
    source = new SqliteChangeSource(sql);
  }
  const capture = new ChangeCapture(cacheService, source, consumer);
  try {
    await capture.start();
  } catch (error) {
    await source.close();
    await closeConnection();
    throw error;
  }
  let stopped: Promise<void> | null = null;
  return {
    capture,
    // Once: the data layer's close stops it again.
    stop: () =>
      (stopped ??= (async () => {
        await capture.stop();
        await closeConnection();
      })()),
  };
}

/** The slot {@link startChangeCapture} reads on PostgreSQL: `slot`, else one per schema. */
function captureSlot(schema: string, slot?: string): string {
  return (slot ?? (schema === 'public' ? 'cachedrepo_capture' : `cachedrepo_capture_${schema}`)).toLowerCase();
}

/**
 * PostgreSQL: drops the replication slot {@link startChangeCapture} reads for `databaseUrl` (or `slot`), if it exists
 * and no consumer holds it, so that the server keeps no WAL for it (REDIS_CACHE.md section 16: an abandoned slot
 * retains WAL). For a retired application, or a schema that is thrown away (the walkthrough's). A later start creates
 * the slot again and clears the cache prefix once. Nothing to do on SQLite.
 * @returns true when a slot was dropped
 */
export async function dropChangeCaptureSlot(databaseUrl: string, slot?: string): Promise<boolean> {
  if (databaseProvider(databaseUrl) !== 'postgresql') return false;
  const { connectionString, schema } = postgresTarget(databaseUrl);
  const client = new Client({ connectionString });
  await client.connect();
  try {
    const dropped = await client.query(
      'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active',
      [captureSlot(schema, slot)],
    );
    return (dropped.rowCount ?? 0) > 0;
  } finally {
    await client.end();
  }
}

async function runPostgres(connectionString: string, sql: string): Promise<void> {
  const client = new Client({ connectionString });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
