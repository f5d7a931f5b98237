import type { CacheLogger } from '../observability/cache-logger';
import { duplicateRedisClient } from '../redis/redis-client';
import type { NearCacheTracking } from '../redis/store';
import { NearCacheGroup, type NearCacheServiceOptions } from './near-cache-group';

/**
 * The near-cache group of one CacheService, tracking the way its store's topology says (per
 * master and in broadcast mode on a cluster: `redis/cluster/cluster-tracking.ts`).
 * @param options the service's `nearCache` option: `true` or options turn near caches on
 * @param enabled false when the service has no Redis (near caches stay off then)
 */
export function nearCacheGroupFor(
  prefix: string,
  tracking: NearCacheTracking,
  options: NearCacheServiceOptions | boolean | undefined,
  enabled: boolean,
  logger: CacheLogger,
): NearCacheGroup {
  const asked = typeof options === 'object' ? options : { enabled: options ?? false };
  const settings = {
    ...asked,
    enabled: (asked.enabled ?? true) && enabled,
    ...(tracking.forcedMode && { trackingMode: tracking.forcedMode }),
  };
  const [first] = tracking.clients;
  return new NearCacheGroup(
    prefix,
    tracking.clients,
    () => {
      if (first === undefined) throw new Error('near caches need a Redis connection to duplicate');
      return duplicateRedisClient(first, 'near-cache-invalidations');
    },
    logger,
    settings,
    tracking.acquireClusterTracking,
  );
}
