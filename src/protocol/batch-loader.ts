/**
 * One `loadMany` call for the loads of a multi-key read (`findByIds`). Each key's miss goes
 * through the same single-flight path as a one-key read (`cache-aside-reader.ts`); the loads
 * that path starts for these keys are gathered here and sent to the base repository together.
 *
 * The caller announces each load it started ({@link expect}, synchronously, as single-flight
 * starts it), then {@link seal}s the batch; the batch is sent once every announced load has
 * asked for its id or said it will not ({@link skip}). A load asked for after that (a read that
 * joined another caller's load, whose store then failed, loads again) is sent on its own.
 */
export class BatchLoader<Id, E extends { readonly id: Id }> {
  private expected = 0;
  private sealed = false;
  /** The loads asked for, by the text of their id (`IdCodec.text`: composite ids are objects). */
  private queued = new Map<string, { id: Id; deferred: Deferred<E | null> }>();

  /**
   * @param loadMany the base repository's multi-id load: the entities that exist, in any order
   * @param textOf the text of an id, the same for the same id (its strategy's `IdCodec.text`)
   */
  constructor(
    private readonly loadMany: (ids: Id[]) => Promise<readonly E[]>,
    private readonly textOf: (id: Id) => string,
  ) {}

  /** Announces a load that will ask for its id. */
  expect(): void {
    this.expected += 1;
  }

  /** An announced load will not ask after all (it took another reader's entry instead). */
  skip(): void {
    if (this.expected > 0) this.expected -= 1;
    this.sendWhenComplete();
  }

  /** No more loads will be announced: send the batch as soon as every announced load asked. */
  seal(): void {
    this.sealed = true;
    this.sendWhenComplete();
  }

  /** The entity of `id` (null when it does not exist), from the batch's one `loadMany` call. */
  load(id: Id): Promise<E | null> {
    const text = this.textOf(id);
    const queued = this.queued.get(text) ?? { id, deferred: newDeferred<E | null>() };
    this.queued.set(text, queued);
    if (this.expected > 0) this.expected -= 1;
    this.sendWhenComplete();
    return queued.deferred.promise;
  }

  private sendWhenComplete(): void {
    if (!this.sealed || this.expected > 0 || this.queued.size === 0) return;
    const batch = this.queued;
    this.queued = new Map();
    void this.send(batch);
  }

  private async send(batch: ReadonlyMap<string, { id: Id; deferred: Deferred<E | null> }>): Promise<void> {
    try {
      const loaded = await this.loadMany([...batch.values()].map(({ id }) => id));
      const found = new Map(loaded.map((entity) => [this.textOf(entity.id), entity]));
      for (const [text, { deferred }] of batch) deferred.resolve(found.get(text) ?? null);
    } catch (error) {
      for (const { deferred } of batch.values()) deferred.reject(error);
    }
  }
}

interface Deferred<V> {
  promise: Promise<V>;
  resolve(value: V): void;
  reject(error: unknown): void;
}

function newDeferred<V>(): Deferred<V> {
  let resolve!: (value: V) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<V>((done, fail) => {
    resolve = done;
    reject = fail;
  });
  return { promise, resolve, reject };
}
