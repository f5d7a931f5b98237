import type { Pool } from 'pg';
import type { LogicalReplicationService } from 'pg-logical-replication';
import { DEFAULTS } from '../../defaults';
import { CacheOptionsError } from '../../errors';
import type { ApplyBatch, CaptureLag, CapturedColumns, ChangeSource } from '../change-source';
import { checkPostgresSetup, type PostgresCaptureNames } from './postgres-setup';
import { prepareSlot, slotLag } from './postgres-slot';
import { PgoutputSession, type PgoutputMessage } from './pgoutput-session';
import { formatLsn } from './lsn';

/** How to reach PostgreSQL: a URL, or the connection fields of a `pg` client (host, port, user, password, ...). */
export type PostgresConnection = string | { readonly [option: string]: unknown };

/** Options of a {@link PostgresChangeSource}. */
export interface PostgresChangeSourceOptions {
  /** The role reading the slot: it needs the REPLICATION attribute (PostgreSQL docs: "Replication Slots"). */
  connection: PostgresConnection;
  /**
   * The logical replication slot (`[a-z0-9_]`, at most 63): one per cache prefix. While no consumer reads it, the
   * server keeps every WAL segment written since its confirmed position, up to `max_slot_wal_keep_size`.
   * @default 'cachedrepo_capture'
   */
  slot?: string;
  /** The publication of the captured tables (see `postgresCaptureSql`). @default 'cachedrepo_capture' */
  publication?: string;
  /** The schema of the captured tables. @default 'public' */
  schema?: string;
  /**
   * Create the slot when it is missing or was invalidated (the consumer then clears the cache prefix once). When
   * false, either is a {@link CaptureSetupError} (`slot`). @default true
   */
  createSlot?: boolean;
  /** Row changes handed to the consumer at once inside a large transaction. @default 1000 */
  batchSize?: number;
  /** Messages received and not yet applied before reading the socket pauses. @default 10000 */
  maxBufferedMessages?: number;
}

const NAME = /^[a-z0-9_]{1,63}$/;

interface Pausable {
  pause?(): void;
  resume?(): void;
}

/**
 * Committed changes from PostgreSQL's write-ahead log: a `pgoutput` logical replication slot streamed with
 * pg-logical-replication (PostgreSQL docs: "Logical Decoding", "Logical Streaming Replication Protocol"), the
 * captured tables REPLICA IDENTITY FULL so that an UPDATE and a DELETE carry the whole old row. A transaction is
 * confirmed (the slot's `confirmed_flush_lsn`) only after the consumer invalidated its keys, so a restart, or another
 * consumer, resumes from the first transaction not applied. Needs `pg` and `pg-logical-replication` installed.
 */
export class PostgresChangeSource implements ChangeSource {
  readonly kind = 'postgresql' as const;
  readonly name: string;
  private readonly names: PostgresCaptureNames;
  private readonly createSlot: boolean;
  private readonly batchSize: number;
  private readonly maxBufferedMessages: number;
  private readonly config: Record<string, unknown>;
  private pool: Promise<Pool> | null = null;
  private service: LogicalReplicationService | null = null;
  private session: PgoutputSession | null = null;

  /** @throws {CacheOptionsError} for a slot or publication name PostgreSQL would not take as is */
  constructor(options: PostgresChangeSourceOptions) {
    const slot = options.slot ?? 'cachedrepo_capture';
    const publication = options.publication ?? 'cachedrepo_capture';
    if (!NAME.test(slot)) throw new CacheOptionsError(`capture slot ${JSON.stringify(slot)}: use [a-z0-9_], 1-63`);
    if (!/^[A-Za-z0-9_]{1,63}$/.test(publication))
      throw new CacheOptionsError(`capture publication ${JSON.stringify(publication)}: use [A-Za-z0-9_], 1-63`);
    this.name = slot;
    this.names = { slot, publication, schema: options.schema ?? 'public' };
    this.createSlot = options.createSlot ?? true;
    this.batchSize = options.batchSize ?? DEFAULTS.captureBatchSize;
    this.maxBufferedMessages = options.maxBufferedMessages ?? DEFAULTS.captureMaxBufferedMessages;
    const base = typeof options.connection === 'string' ? { connectionString: options.connection } : options.connection;
    this.config = { application_name: 'cachedrepo-capture', ...base };
  }

  async check(tables: CapturedColumns): Promise<void> {
    await checkPostgresSetup(await this.db(), [...tables.keys()], this.names, this.createSlot);
  }

  async consume(tables: CapturedColumns, apply: ApplyBatch): Promise<void> {
    const slot = await prepareSlot(await this.db(), this.names.slot, this.createSlot);
    if (slot.state === 'busy') return; // a previous consumer's connection, ended: read at the next turn
    const { LogicalReplicationService, PgoutputPlugin } = await import('pg-logical-replication');
    // No automatic acknowledgement: its timer would confirm what was received, not what was applied.
    const service = new LogicalReplicationService(this.config, { acknowledge: { auto: false, timeoutSeconds: 0 } });
    this.service = service;
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (error?: unknown): void => {
        if (settled) return;
        settled = true;
        if (this.service === service) this.service = null;
        if (this.session === session) this.session = null;
        void service
          .destroy()
          .catch(() => undefined)
          .then(() => (error === undefined ? resolve() : reject(error)));
      };
      // pg's socket, which pg-logical-replication's own flow control pauses the same way.
      const socket = (): Pausable | undefined =>
        (service as unknown as { _connection?: { stream?: Pausable } })._connection?.stream;
      const stream = {
        // The client reports `lsn + 1` as flushed: ask for one less, so the slot confirms exactly `position`.
        confirm: (position: bigint) => void service.acknowledge(formatLsn(position - 1n)).catch(() => undefined),
        pause: () => socket()?.pause?.(),
        resume: () => socket()?.resume?.(),
      };
      const options = {
        schema: this.names.schema,
        columns: tables,
        batchSize: this.batchSize,
        maxBuffered: this.maxBufferedMessages,
        confirmed: slot.confirmed,
      };
      const session = new PgoutputSession(stream, apply, options, finish);
      this.session = session;
      service.on('data', (_lsn: string, message: PgoutputMessage) => session.message(message));
      service.on('heartbeat', (lsn: string, _time: number, respond: boolean) => session.keepalive(lsn, respond));
      service.on('error', (error: Error) => finish(error));
      const plugin = new PgoutputPlugin({
        protoVersion: 1,
        publicationNames: [this.names.publication],
        messages: true,
      });
      service.subscribe(plugin, this.names.slot).then(() => finish(), finish);
    });
  }

  async stop(): Promise<void> {
    await this.service?.stop();
  }

  async lag(): Promise<CaptureLag> {
    const { bytes, status } = await slotLag(await this.db(), this.names.slot);
    return { bytes, changes: null, seconds: this.session ? this.session.lagSeconds : null, slotStatus: status };
  }

  async close(): Promise<void> {
    await this.stop();
    const pool = this.pool;
    this.pool = null;
    if (pool) await (await pool).end();
  }

  /** A pool of one ordinary connection for checks, the slot and lag (it reconnects after an error). */
  private db(): Promise<Pool> {
    this.pool ??= import('pg').then(({ Pool }) => {
      const pool = new Pool({ ...this.config, max: 1, idleTimeoutMillis: 10_000 });
      pool.on('error', () => undefined); // an idle connection lost: the next query opens another
      return pool;
    });
    return this.pool;
  }
}
