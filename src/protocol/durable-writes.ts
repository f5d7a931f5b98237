import type { ChangeLogRef } from '../repository/write-receipt';

/**
 * Which writes of a cache service record their invalidation in its outbox, write by write.
 *
 * The outbox exists so that a committed write's invalidation survives the process dying (or losing Redis) between the
 * commit and its `UNLINK` (DESIGN.md rule 6): the row, committed with the write, is delivered later by whichever
 * process holds the deliverer lease. A started change capture consumer (`cachedrepo/capture`) gives the same
 * guarantee for every committed change of the tables it reads: the change table (SQLite triggers) or the replication
 * slot (PostgreSQL) is written in the write's transaction by the database itself, and a change is confirmed only once
 * its keys are invalidated. For an entity type whose tables a started consumer reads, the outbox row would be a second
 * record of the same change, and it costs a statement in the write's transaction (and, on SQLite, a longer hold of
 * the single write lock: REDIS_CACHE.md section 14), so those writes skip it: the database's change log is their
 * outbox. This is the "transaction log tailing" way of relaying a transactional outbox
 * (https://microservices.io/patterns/data/transaction-log-tailing.html).
 *
 * Owned by one cache service; nothing is shared between services.
 */
export class DurableWrites {
  /** Started consumers covering each entity type (a type may be covered by several). */
  readonly #captured = new Map<string, number>();
  /** The entity types each started consumer registered, and the change log it reads. */
  readonly #owners = new Map<object, { types: readonly string[]; log: ChangeLogRef | null }>();

  /** @param outboxConfigured true when the service has an outbox (and Redis enabled) */
  constructor(readonly outboxConfigured: boolean) {}

  /**
   * True when a write of `entityType` must record its invalidation in the outbox now: the service has one and no
   * started change capture consumer reads that entity type's tables. Asked once per write.
   */
  recordsInOutbox(entityType: string): boolean {
    return this.outboxConfigured && !this.#captured.has(entityType);
  }

  /**
   * True while a started consumer reads `entityType`'s tables (outbox or not): its updates may then compare only the
   * declared columns (`KeyStateUpdateRepository`).
   */
  captures(entityType: string): boolean {
    return this.#captured.has(entityType);
  }

  /**
   * The change log the started consumers reading `entityType`'s tables read, when they all read the same one: a
   * keyed update then returns its receipt (`write-receipt.ts`). Null otherwise.
   */
  changeLogOf(entityType: string): ChangeLogRef | null {
    let found: ChangeLogRef | null = null;
    for (const { types, log } of this.#owners.values()) {
      if (!types.includes(entityType)) continue;
      if (!log || (found && (found.kind !== log.kind || found.name !== log.name))) return null;
      found = log;
    }
    return found;
  }

  /** The entity types whose writes skip the outbox now, because a started consumer reads their tables. */
  get capturedEntityTypes(): string[] {
    return [...this.#captured.keys()];
  }

  /**
   * A change capture consumer `owner` has checked its source and reads the tables of `entityTypes` from now on, in
   * the change log `log` (when given, keyed updates return receipts of it). Calling it again for the same owner
   * replaces its entity types.
   */
  captureStarted(owner: object, entityTypes: Iterable<string>, log?: ChangeLogRef): void {
    this.captureStopped(owner);
    const types = [...new Set(entityTypes)];
    this.#owners.set(owner, { types, log: log ?? null });
    for (const type of types) this.#captured.set(type, (this.#captured.get(type) ?? 0) + 1);
  }

  /**
   * `owner` stopped: its entity types' writes record outbox rows again unless another consumer reads them. A write
   * that skipped the outbox before is still in the change log, which the next consumer reads.
   */
  captureStopped(owner: object): void {
    const types = this.#owners.get(owner)?.types;
    if (!types) return;
    this.#owners.delete(owner);
    for (const type of types) {
      const count = (this.#captured.get(type) ?? 1) - 1;
      if (count > 0) this.#captured.set(type, count);
      else this.#captured.delete(type);
    }
  }
}
