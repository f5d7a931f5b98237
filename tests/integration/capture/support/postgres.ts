import { Client } from 'pg';
import { postgresCaptureSql } from 'cachedrepo/capture';
import {
  LOGICAL_DECODING_SETTINGS,
  startPostgresServer,
  type PostgresServerHandle,
} from '../../../example/integration/databases/support/postgres-server';
import { ITEM_TABLES_SQL } from './items';

export { LOGICAL_DECODING_SETTINGS };

/** Runs `sql` on `url` with a connection of its own. */
export async function runSql<R extends object = Record<string, unknown>>(
  url: string,
  sql: string,
  values: unknown[] = [],
): Promise<R[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

let databases = 0;

/**
 * A new database on `server` with the item and part tables, prepared for capture as an application's migration would
 * (REPLICA IDENTITY FULL, the publication `cachedrepo_capture`) unless `prepare` is false.
 * @returns its URL, as the superuser
 */
export async function createCaptureDatabase(server: PostgresServerHandle, prepare = true): Promise<string> {
  databases += 1;
  const name = `capture_${process.pid}_${databases}`;
  await runSql(server.url('postgres'), `CREATE DATABASE ${name}`);
  const url = server.url(name);
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    for (const statement of ITEM_TABLES_SQL) await client.query(statement);
    if (prepare) await client.query(postgresCaptureSql(['item', 'part']));
  } finally {
    await client.end();
  }
  return url;
}

/**
 * A throwaway PostgreSQL with logical decoding on (wal_level = logical, slots and WAL senders), and commits synchronous
 * as on a real server: with `synchronous_commit = off` (the other tests' setting) a commit reaches the WAL sender only
 * when the WAL writer flushes it, every `wal_writer_delay` (200 ms), which would be most of the delay measured.
 */
export function startLogicalPostgres(): Promise<PostgresServerHandle> {
  return startPostgresServer({ settings: [...LOGICAL_DECODING_SETTINGS, 'synchronous_commit=on'] });
}
