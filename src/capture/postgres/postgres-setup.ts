import { CaptureSetupError } from '../../errors';

/**
 * What PostgreSQL must provide for capture, checked before reading (PostgreSQL docs: "Logical Decoding", "Replication
 * Slots", `ALTER TABLE ... REPLICA IDENTITY`, `CREATE PUBLICATION`), and the statements that provide it.
 */

/** The query slice of a `pg` client. */
export interface PgQueryable {
  query<R extends object = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

/** Where capture reads from: the slot, its publication, and the schema of the captured tables. */
export interface PostgresCaptureNames {
  slot: string;
  publication: string;
  schema: string;
}

/** The default name of the slot and of the publication. */
export const DEFAULT_PUBLICATION = 'cachedrepo_capture';

/** The prefix of the logical decoding messages the consumer acts on (`pg_logical_emit_message`). */
export const CAPTURE_MESSAGE_PREFIX = 'cachedrepo';

/** `name` as a quoted SQL identifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * The statements that prepare `tables` for capture, for a migration run by their owner: REPLICA IDENTITY FULL (so an
 * UPDATE or DELETE carries the whole old row), and the publication of exactly these tables (created, or its table
 * list replaced). The slot is created by the consumer itself (it needs the REPLICATION attribute).
 * @param tables the captured tables (e.g. `capturedColumns(strategies)`)
 * @param names the publication (default `cachedrepo_capture`) and the tables' schema (default `public`)
 */
export function postgresCaptureSql(
  tables: ReadonlyMap<string, unknown> | readonly string[],
  names: { publication?: string; schema?: string } = {},
): string {
  const { publication: name = DEFAULT_PUBLICATION, schema = 'public' } = names;
  const list = Array.isArray(tables) ? tables : [...(tables as ReadonlyMap<string, unknown>).keys()];
  const qualified = list.map((table) => `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`);
  const publication = quoteIdentifier(name);
  const literal = `'${name.replace(/'/g, "''")}'`;
  return [
    ...qualified.map((table) => `ALTER TABLE ${table} REPLICA IDENTITY FULL;`),
    'DO $$ BEGIN',
    `  IF EXISTS (SELECT 1 FROM pg_publication WHERE pubname = ${literal}) THEN`,
    `    ALTER PUBLICATION ${publication} SET TABLE ${qualified.join(', ')};`,
    '  ELSE',
    `    CREATE PUBLICATION ${publication} FOR TABLE ${qualified.join(', ')};`,
    '  END IF;',
    'END $$;',
    '',
  ].join('\n');
}

/**
 * Checks, read-only, that capture of `tables` can run: PostgreSQL 14 or later, `wal_level = logical`, a role with
 * REPLICATION (or superuser), each table present and REPLICA IDENTITY FULL, the publication covering each table and
 * publishing INSERT, UPDATE, DELETE and TRUNCATE, and the slot (when it exists) a `pgoutput` slot of this database.
 * @param createSlot false: a missing slot is an error rather than something the consumer creates
 * @throws {CaptureSetupError} naming the first problem found and how to fix it
 */
export async function checkPostgresSetup(
  db: PgQueryable,
  tables: readonly string[],
  names: PostgresCaptureNames,
  createSlot: boolean,
): Promise<void> {
  const [server] = (
    await db.query<{ version: string; wal_level: string; replication: boolean }>(
      `SELECT current_setting('server_version_num') AS version, current_setting('wal_level') AS wal_level,
              (SELECT rolsuper OR rolreplication FROM pg_roles WHERE rolname = current_user) AS replication`,
    )
  ).rows;
  if (!server) throw new Error('PostgreSQL returned no settings');
  if (Number(server.version) < 140000)
    throw new CaptureSetupError('version', `change capture needs PostgreSQL 14 or later (server ${server.version})`);
  if (server.wal_level !== 'logical')
    throw new CaptureSetupError(
      'wal-level',
      `change capture needs wal_level = logical (it is ${server.wal_level}): set it in postgresql.conf, with ` +
        'max_replication_slots and max_wal_senders above 0, and restart the server',
    );
  if (!server.replication)
    throw new CaptureSetupError(
      'permission',
      'change capture reads a replication slot: the role needs the REPLICATION attribute (ALTER ROLE ... REPLICATION)',
    );
  await checkTables(db, tables, names);
  await checkPublication(db, tables, names);
  await checkSlot(db, names.slot, createSlot);
}

async function checkTables(db: PgQueryable, tables: readonly string[], names: PostgresCaptureNames): Promise<void> {
  const { rows } = await db.query<{ relname: string; relreplident: string }>(
    `SELECT c.relname, c.relreplident FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relname = ANY($2) AND c.relkind IN ('r', 'p')`,
    [names.schema, tables],
  );
  const identity = new Map(rows.map((row) => [row.relname, row.relreplident]));
  for (const table of tables) {
    const found = identity.get(table);
    if (found === undefined)
      throw new CaptureSetupError('table', `captured table ${names.schema}.${table} does not exist`);
    if (found !== 'f')
      throw new CaptureSetupError(
        'replica-identity',
        `captured table ${names.schema}.${table} must be REPLICA IDENTITY FULL, so that an UPDATE or DELETE carries ` +
          `its old row (ALTER TABLE ${quoteIdentifier(names.schema)}.${quoteIdentifier(table)} REPLICA IDENTITY FULL)`,
      );
  }
}

async function checkPublication(db: PgQueryable, tables: readonly string[], names: PostgresCaptureNames) {
  const fix = `run the SQL of postgresCaptureSql() as the tables' owner`;
  const [publication] = (
    await db.query<{ complete: boolean }>(
      `SELECT pubinsert AND pubupdate AND pubdelete AND pubtruncate AS complete FROM pg_publication WHERE pubname = $1`,
      [names.publication],
    )
  ).rows;
  if (!publication)
    throw new CaptureSetupError('publication', `publication ${names.publication} does not exist: ${fix}`);
  if (!publication.complete)
    throw new CaptureSetupError(
      'publication',
      `publication ${names.publication} must publish insert, update, delete and truncate: ${fix}`,
    );
  const { rows } = await db.query<{ tablename: string }>(
    'SELECT tablename FROM pg_publication_tables WHERE pubname = $1 AND schemaname = $2',
    [names.publication, names.schema],
  );
  const published = new Set(rows.map((row) => row.tablename));
  const missing = tables.filter((table) => !published.has(table)).map((table) => `${names.schema}.${table}`);
  if (missing.length > 0)
    throw new CaptureSetupError(
      'publication',
      `publication ${names.publication} does not publish ${missing.join(', ')}: ${fix}`,
    );
}

async function checkSlot(db: PgQueryable, slot: string, createSlot: boolean): Promise<void> {
  const [row] = (
    await db.query<{ plugin: string; mine: boolean }>(
      `SELECT plugin, database = current_database() AS mine FROM pg_replication_slots WHERE slot_name = $1`,
      [slot],
    )
  ).rows;
  if (!row) {
    if (createSlot) return;
    throw new CaptureSetupError('slot', `replication slot ${slot} does not exist and createSlot is false`);
  }
  if (row.plugin !== 'pgoutput' || !row.mine)
    throw new CaptureSetupError(
      'slot',
      `replication slot ${slot} is a ${row.plugin} slot${row.mine ? '' : ' of another database'}: ` +
        'capture needs a pgoutput slot of this database (drop it, or name another slot)',
    );
}
