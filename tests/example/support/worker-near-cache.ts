import { until } from '../../support/wait';
import type { CacheWorker } from './worker-process';

/** The part of a worker's `health().nearCache` these tests read. */
export interface WorkerNearHealth {
  tracking: string;
  caches: { entityType: string; hits: number }[];
}

export async function workerNearHealth(worker: CacheWorker): Promise<WorkerNearHealth> {
  return ((await worker.request('health')) as { nearCache: WorkerNearHealth }).nearCache;
}

const heroHits = (health: WorkerNearHealth): number =>
  health.caches.find((cache) => cache.entityType === 'hero')?.hits ?? 0;

/** Waits until `worker`'s near caches serve (Redis confirmed its tracking). */
export async function untilWorkerTracking(worker: CacheWorker, timeoutMs = 10_000): Promise<void> {
  let seen: WorkerNearHealth | null = null;
  await until(
    async () => (seen = await workerNearHealth(worker)).tracking === 'active',
    timeoutMs,
    `worker ${worker.name}: near-cache tracking to be active`,
    () => JSON.stringify(seen),
  );
}

/** Calls `read` (a read of a hero through `worker`) until the worker's hero near cache answered one; returns it. */
export async function untilWorkerNearHit<V>(
  worker: CacheWorker,
  read: () => Promise<V>,
  timeoutMs = 10_000,
): Promise<V> {
  let value: V | undefined;
  let seen: WorkerNearHealth | null = null;
  await until(
    async () => {
      const before = heroHits(await workerNearHealth(worker));
      value = await read();
      seen = await workerNearHealth(worker);
      return heroHits(seen) > before;
    },
    timeoutMs,
    `worker ${worker.name}: a near-cache hit`,
    () => JSON.stringify(seen),
  );
  return value as V;
}
