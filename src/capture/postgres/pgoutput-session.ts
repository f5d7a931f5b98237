import type { RowImage } from '../../repository/captured-table';
import type { ApplyBatch, RowChange } from '../change-source';
import { RECEIPT_MESSAGE_PREFIX } from '../../repository/write-receipt';
import { CAPTURE_MESSAGE_PREFIX } from './postgres-setup';
import { parseLsn } from './lsn';

/**
 * One replication session on a pgoutput stream (PostgreSQL docs: "Logical Streaming Replication Protocol", "Logical
 * Replication Message Formats"): turns its messages into batches of row changes, hands them to the consumer one at a
 * time, in order, and confirms a transaction's commit position only once the consumer applied all of it.
 *
 * pgoutput sends a transaction when it commits (BEGIN, its changes, COMMIT), so what is confirmed is always whole
 * transactions: the confirmed position is the end of the last applied commit record, from which the slot resumes
 * after a restart (transactions that committed before it are not decoded again). A keepalive received between
 * transactions confirms its position too: everything before it was received and applied, and without that the slot
 * would keep WAL of tables it does not publish until the next captured change.
 */

/** The pgoutput messages the session reads (pg-logical-replication's `Pgoutput.Message`, the fields used). */
export type PgoutputMessage =
  | { tag: 'begin'; commitTime: bigint; xid?: number }
  | { tag: 'commit'; commitEndLsn: string | null }
  | { tag: 'relation'; schema: string; name: string; replicaIdentity: string }
  | { tag: 'insert'; relation: Relation; new: Record<string, unknown> }
  | { tag: 'update'; relation: Relation; old: Record<string, unknown> | null; new: Record<string, unknown> }
  | { tag: 'delete'; relation: Relation; old: Record<string, unknown> | null }
  | { tag: 'truncate'; relations: Relation[] }
  | { tag: 'message'; prefix: string; content: Uint8Array }
  | { tag: 'origin' | 'type' };

interface Relation {
  schema: string;
  name: string;
  replicaIdentity: string;
}

type Item = { kind: 'message'; message: PgoutputMessage } | { kind: 'keepalive'; lsn: bigint };

interface Transaction {
  /** The transaction's id, unsigned (the position writers' receipts name: `write-receipt.ts`), if the BEGIN gave it. */
  xid: number | undefined;
  /** True once the transaction's writer announced its receipt (a message with `RECEIPT_MESSAGE_PREFIX`). */
  announced: boolean;
  changes: RowChange[];
  clearAll: string | undefined;
  committedAt: number;
}

/** What a session needs from its stream. */
export interface SessionStream {
  /** Confirms every change before `position` (the slot's `confirmed_flush_lsn` becomes `position`). */
  confirm(position: bigint): void;
  /** Stops reading the socket (too many messages waiting) and starts again. */
  pause(): void;
  resume(): void;
}

/** Options of a {@link PgoutputSession}. */
export interface SessionOptions {
  schema: string;
  /** The columns kept of each captured table's rows (the rest of a row image is dropped at once). */
  columns: ReadonlyMap<string, readonly string[]>;
  /** Changes handed to the consumer at once inside a large transaction. */
  batchSize: number;
  /** Messages waiting before the socket is paused. */
  maxBuffered: number;
  /** The slot's confirmed position when the session started. */
  confirmed: bigint;
}

/** See the file comment. */
export class PgoutputSession {
  private readonly queue: Item[] = [];
  private running = false;
  private paused = false;
  private ended = false;
  private transaction: Transaction | null = null;
  /** Committed transactions gathered and not yet applied (see {@link commit}), with the end of the last. */
  private pending: (Omit<Transaction, 'xid' | 'announced'> & { end: bigint }) | null = null;
  private confirmed: bigint;
  /** Commit time (ms) of the oldest transaction received and not confirmed, or null when caught up. */
  private behindSince: number | null = null;

  /** @param end called once, when the session must stop: `apply` refused a batch, or something threw */
  constructor(
    private readonly stream: SessionStream,
    private readonly apply: ApplyBatch,
    private readonly options: SessionOptions,
    private readonly end: (error?: unknown) => void,
  ) {
    this.confirmed = options.confirmed;
  }

  /** The last confirmed position. */
  get position(): bigint {
    return this.confirmed;
  }

  /** Seconds since the oldest transaction received and not yet confirmed committed; 0 when caught up. */
  get lagSeconds(): number {
    return this.behindSince === null ? 0 : Math.max(0, (Date.now() - this.behindSince) / 1000);
  }

  /** A message of the stream, in stream order. */
  message(message: PgoutputMessage): void {
    this.push({ kind: 'message', message });
  }

  /** A keepalive of the stream, in stream order; `respond`: the server asks for a status update now. */
  keepalive(lsn: string, respond: boolean): void {
    if (respond) this.stream.confirm(this.confirmed);
    this.push({ kind: 'keepalive', lsn: parseLsn(lsn) });
  }

  private push(item: Item): void {
    if (this.ended) return;
    this.queue.push(item);
    if (!this.paused && this.queue.length > this.options.maxBuffered) {
      this.paused = true;
      this.stream.pause();
    }
    if (!this.running) void this.run();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (!this.ended) {
        const item = this.queue.shift();
        if (!item) {
          // Nothing more waiting: the committed transactions gathered so far go now.
          if (this.pending && (await this.flush())) continue;
          break;
        }
        await this.handle(item);
        if (this.paused && this.queue.length <= this.options.maxBuffered / 2) {
          this.paused = false;
          this.stream.resume();
        }
      }
    } catch (error) {
      this.stop(error);
    } finally {
      this.running = false;
    }
  }

  private stop(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.queue.length = 0;
    this.end(error);
  }

  private async handle(item: Item): Promise<void> {
    if (item.kind === 'keepalive') {
      if (this.transaction !== null || (this.pending && !(await this.flush()))) return;
      if (item.lsn > this.confirmed) this.confirmTo(item.lsn);
      return;
    }
    const message = item.message;
    switch (message.tag) {
      case 'begin': {
        const committedAt = Number(message.commitTime / 1000n);
        const xid = message.xid === undefined ? undefined : message.xid >>> 0;
        this.transaction = { xid, announced: false, changes: [], clearAll: undefined, committedAt };
        this.behindSince ??= committedAt;
        return;
      }
      case 'insert':
        return this.change(message.relation, null, message.new);
      case 'update':
        return this.change(message.relation, message.old, message.new, true);
      case 'delete':
        return this.change(message.relation, message.old, null, true);
      case 'truncate': {
        const captured = message.relations.filter((relation) => this.captured(relation));
        if (captured.length > 0 && this.transaction)
          this.transaction.clearAll ??= `TRUNCATE of ${captured.map((relation) => relation.name).join(', ')}`;
        return;
      }
      case 'message':
        if (message.prefix === CAPTURE_MESSAGE_PREFIX && this.transaction)
          this.transaction.clearAll ??= Buffer.from(message.content).toString('utf8');
        if (message.prefix === RECEIPT_MESSAGE_PREFIX && this.transaction) this.transaction.announced = true;
        return;
      case 'commit':
        return this.commit(message.commitEndLsn);
      default:
        return;
    }
  }

  private async change(
    relation: Relation,
    before: Record<string, unknown> | null,
    after: Record<string, unknown> | null,
    needsOld = false,
  ): Promise<void> {
    const transaction = this.transaction;
    if (!transaction || !this.captured(relation)) return;
    if (needsOld && (before === null || relation.replicaIdentity !== 'full')) {
      // Without the old row the old lists are unknown: never skip them silently.
      transaction.clearAll ??= `${relation.name} changed without its old row (REPLICA IDENTITY is not FULL)`;
      return;
    }
    const columns = this.options.columns.get(relation.name) ?? [];
    transaction.changes.push({ table: relation.name, before: pick(before, columns), after: pick(after, columns) });
    if (transaction.changes.length < this.options.batchSize) return;
    // A large transaction goes in parts, after the transactions gathered before it; none confirmed before it commits.
    // Its parts carry no position (its announcement may come later): their keys are invalidated at once.
    if (!(await this.flush())) return;
    const changes = transaction.changes;
    transaction.changes = [];
    if (!(await this.apply({ changes, committedAt: transaction.committedAt }))) this.stop();
  }

  /**
   * A transaction committed: its changes join those of the transactions committed before it and not yet applied, and
   * all are applied at once when no message waits behind them (or `batchSize` is reached): under load, one
   * invalidation for many transactions instead of one each. Confirmed only once applied.
   */
  private async commit(endLsn: string | null): Promise<void> {
    const transaction = this.transaction;
    if (!transaction || endLsn === null) return;
    this.transaction = null;
    const { clearAll, committedAt } = transaction;
    const changes = positioned(transaction);
    const end = parseLsn(endLsn);
    if (changes.length === 0 && clearAll === undefined && !this.pending) return this.confirmTo(end);
    const pending = (this.pending ??= { changes: [], clearAll: undefined, committedAt, end });
    for (const change of changes) pending.changes.push(change);
    pending.clearAll ??= clearAll;
    pending.committedAt = committedAt;
    pending.end = end;
    if (this.queue.length === 0 || pending.changes.length >= this.options.batchSize) await this.flush();
  }

  /** Applies the gathered transactions and confirms the last; false (the session stops) when `apply` refused them. */
  private async flush(): Promise<boolean> {
    const pending = this.pending;
    if (!pending) return true;
    this.pending = null;
    const { changes, clearAll, committedAt, end } = pending;
    if (!(await this.apply({ changes, clearAll, committedAt }))) {
      this.stop();
      return false;
    }
    this.confirmTo(end);
    return true;
  }

  private confirmTo(position: bigint): void {
    this.confirmed = position;
    this.stream.confirm(position);
    // Until the next BEGIN is read; with messages waiting, that is at once.
    this.behindSince = null;
  }

  private captured(relation: Relation): boolean {
    return relation.schema === this.options.schema && this.options.columns.has(relation.name);
  }
}

/**
 * The transaction's changes, with its id as their position when its writer announced a receipt (the message may
 * follow the changes: it is written by the statement's RETURNING), so that the consumer waits for receipts only then.
 */
function positioned(transaction: Transaction): RowChange[] {
  const { xid, announced, changes } = transaction;
  if (!announced || xid === undefined) return changes;
  return changes.map((change) => ({ ...change, position: xid }));
}

function pick(row: Record<string, unknown> | null, columns: readonly string[]): RowImage | null {
  if (row === null) return null;
  const image: Record<string, unknown> = {};
  for (const column of columns) image[column] = row[column];
  return image;
}
