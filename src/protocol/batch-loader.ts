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
export class BatchLoader<E extends { readonly id: string }> {
  private expected = 0;
  private sealed = false;
  private queued = new Map<string, Deferred<E | null>>();

  /** @param loadMany the base repository's multi-id load: the entities that exist, in any order */
  constructor(private readonly loadMany: (ids: string[]) => Promise<readonly E[]>) {}

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
  load(id: string): Promise<E | null> {
    const deferred = this.queued.get(id) ?? newDeferred<E | null>();
    this.queued.set(id, deferred);
    if (this.expected > 0) this.expected -= 1;
    this.sendWhenComplete();
    return deferred.promise;
  }

  private sendWhenComplete(): void {
    if (!this.sealed || this.expected > 0 || this.queued.size === 0) return;
    const batch = this.queued;
    this.queued = new Map();
    void this.send(batch);
  }

  private async send(batch: ReadonlyMap<string, Deferred<E | null>>): Promise<void> {
    try {
      const found = new Map((await this.loadMany([...batch.keys()])).map((entity) => [entity.id, entity]));
      for (const [id, deferred] of batch) deferred.resolve(found.get(id) ?? null);
    } catch (error) {
      for (const deferred of batch.values()) deferred.reject(error);
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
