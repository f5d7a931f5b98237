import type { StoreOutcome } from './cache-service-types';

/**
 * What one read did, filled in by `CacheAsideReader.readReporting` for the hooks that watch reads (the consistency
 * auditor, tracing): where the value came from, and, when this read loaded and stored it, how the store under its
 * lease ended. Plain reads (`read`) fill none: watching costs nothing while no hook is on.
 */
export interface ReadReport {
  /**
   * `near`: a near-cache hit; `redis`: a Redis hit; `joined`: the value of a concurrent read's load of the key, whose
   * store under its lease succeeded; `loaded`: this read loaded from the base repository. Null until the read is done.
   */
  served: 'near' | 'redis' | 'joined' | 'loaded' | null;
  /**
   * When `served` is `loaded`: the store of the loaded value, settling after the caller got it. `lost` means a write
   * removed the lease while the load ran, so the (possibly stale) value was not stored: a stale set prevented.
   * `no-lease` (another reader held the key, or Redis was unavailable) and `not-stored` (TTL 0) store nothing;
   * `reread`: another reader's entry was taken after waiting for its lease (`lease-wait.ts`).
   */
  stored: Promise<StoreOutcome | 'no-lease' | 'not-stored' | 'reread'> | null;
}

/** A report with nothing in it yet. */
export function emptyReport(): ReadReport {
  return { served: null, stored: null };
}
