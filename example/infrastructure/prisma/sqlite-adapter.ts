import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';

// The driver-adapter types, taken from the stock adapter's own declarations (no direct
// dependency on @prisma/driver-adapter-utils).
type SqlDriverAdapter = Awaited<ReturnType<PrismaBetterSQLite3['connect']>>;
type Transaction = Awaited<ReturnType<SqlDriverAdapter['startTransaction']>>;
type SqlQuery = Parameters<SqlDriverAdapter['queryRaw']>[0];
type IsolationLevel = Parameters<SqlDriverAdapter['startTransaction']>[0];

/** How long a statement waits for another process's write lock before failing with SQLITE_BUSY, in milliseconds. */
export const DEFAULT_SQLITE_BUSY_TIMEOUT_MS = 10_000;

/** Options of {@link SqliteAdapterFactory}. */
export interface SqliteAdapterOptions {
  /** Busy timeout (milliseconds): how long a write waits for another connection's lock. @default 10000 */
  busyTimeoutMs?: number;
}

/**
 * A Prisma driver adapter factory for SQLite (better-sqlite3) that holds up under several
 * processes writing the same file. Around the stock `@prisma/adapter-better-sqlite3` it:
 *
 * - switches the file to WAL (readers never block the writer, nor the writer readers:
 *   https://www.sqlite.org/wal.html) and sets a busy timeout, so a write waits for another
 *   process's lock instead of failing at once with "database is locked";
 * - starts transactions with `BEGIN IMMEDIATE` instead of `BEGIN`: a deferred transaction that
 *   reads then writes must upgrade its lock, and when another connection wrote meanwhile SQLite
 *   answers SQLITE_BUSY without waiting (no busy timeout helps:
 *   https://www.sqlite.org/lang_transaction.html, "BEGIN IMMEDIATE"); taking the write lock up
 *   front makes the transaction wait its turn instead;
 * - runs statements outside a transaction only when no transaction of this client is open.
 *   better-sqlite3 is one connection, so such a statement would otherwise run inside the open
 *   transaction: reading its uncommitted rows, and being rolled back with it.
 *
 * Consequence of the last point: code inside an interactive `$transaction` must use the
 * transaction client it is given, never the outer client (that waits for the transaction, which
 * then times out).
 */
export class SqliteAdapterFactory {
  readonly provider = 'sqlite' as const;
  readonly adapterName: string;
  readonly #stock: PrismaBetterSQLite3;

  /** @param file absolute path of the database file (created when missing; its directory must exist). */
  constructor(file: string, options: SqliteAdapterOptions = {}) {
    this.#stock = new PrismaBetterSQLite3({
      url: `file:${file}`,
      timeout: options.busyTimeoutMs ?? DEFAULT_SQLITE_BUSY_TIMEOUT_MS,
    });
    this.adapterName = this.#stock.adapterName;
  }

  async connect(): Promise<SqlDriverAdapter> {
    const connection = await this.#stock.connect();
    // Persistent in the file; a no-op once set. foreign_keys is on by default in better-sqlite3.
    await connection.executeScript('PRAGMA journal_mode = WAL;');
    return new SerializedSqliteAdapter(connection);
  }

  connectToShadowDb(): Promise<SqlDriverAdapter> {
    return this.#stock.connectToShadowDb();
  }
}

/** One statement or transaction at a time on the connection (see {@link SqliteAdapterFactory}). */
class SerializedSqliteAdapter implements SqlDriverAdapter {
  readonly provider: SqlDriverAdapter['provider'];
  readonly adapterName: string;
  readonly #lock = new AsyncLock();

  constructor(private readonly connection: SqlDriverAdapter) {
    this.provider = connection.provider;
    this.adapterName = connection.adapterName;
  }

  queryRaw(query: SqlQuery): ReturnType<SqlDriverAdapter['queryRaw']> {
    return this.#lock.run(() => this.connection.queryRaw(query));
  }

  executeRaw(query: SqlQuery): Promise<number> {
    return this.#lock.run(() => this.connection.executeRaw(query));
  }

  executeScript(script: string): Promise<void> {
    return this.#lock.run(() => this.connection.executeScript(script));
  }

  async startTransaction(isolationLevel?: IsolationLevel): Promise<Transaction> {
    // SQLite transactions are serializable; the stock adapter rejects any other level with its own error.
    if (isolationLevel && isolationLevel !== 'SERIALIZABLE') return this.connection.startTransaction(isolationLevel);
    const release = await this.#lock.acquire();
    try {
      await this.connection.executeRaw({ sql: 'BEGIN IMMEDIATE', args: [], argTypes: [] });
    } catch (error) {
      release();
      throw error;
    }
    return new ImmediateTransaction(this.connection, release);
  }

  getConnectionInfo(): ReturnType<NonNullable<SqlDriverAdapter['getConnectionInfo']>> {
    return this.connection.getConnectionInfo?.() ?? { supportsRelationJoins: false };
  }

  dispose(): Promise<void> {
    return this.#lock.run(() => this.connection.dispose());
  }
}

/**
 * A transaction holding the client's lock. Prisma sends COMMIT or ROLLBACK itself through
 * `executeRaw` (the stock adapter's `usePhantomQuery: false`), then calls `commit`/`rollback`,
 * which only release the lock.
 */
class ImmediateTransaction implements Transaction {
  readonly provider: Transaction['provider'];
  readonly adapterName: string;
  readonly options = { usePhantomQuery: false };

  constructor(
    private readonly connection: SqlDriverAdapter,
    private readonly release: () => void,
  ) {
    this.provider = connection.provider;
    this.adapterName = connection.adapterName;
  }

  queryRaw(query: SqlQuery): ReturnType<Transaction['queryRaw']> {
    return this.connection.queryRaw(query);
  }

  executeRaw(query: SqlQuery): Promise<number> {
    return this.connection.executeRaw(query);
  }

  commit(): Promise<void> {
    this.release();
    return Promise.resolve();
  }

  rollback(): Promise<void> {
    this.release();
    return Promise.resolve();
  }
}

/** A FIFO mutex over promises. */
class AsyncLock {
  #tail: Promise<void> = Promise.resolve();

  /** Waits for the lock; resolves with the function that releases it (call it once). */
  acquire(): Promise<() => void> {
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const acquired = this.#tail.then(() => release);
    this.#tail = this.#tail.then(() => released);
    return acquired;
  }

  async run<R>(task: () => Promise<R>): Promise<R> {
    const release = await this.acquire();
    try {
      return await task();
    } finally {
      release();
    }
  }
}
