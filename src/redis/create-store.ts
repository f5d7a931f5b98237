import type { Cluster, Redis } from 'ioredis';
import { CacheOptionsError } from '../errors';
import { clusterStore } from './cluster/cluster-store';
import { isCluster } from './cluster/slot-groups';
import { standaloneStore } from './standalone-store';
import type { RedisStore } from './store';

/**
 * The store for the clients a CacheService is given, chosen once: the one place that asks
 * whether Redis is a cluster. Everything above it talks to {@link RedisStore}.
 * @param redis standalone connections, used in turn, or one ioredis `Cluster`
 * @throws {CacheOptionsError} when a `Cluster` is given with other clients
 */
export function createStore(redis: readonly (Redis | Cluster)[]): RedisStore {
  const cluster = redis.find(isCluster);
  if (cluster === undefined) return standaloneStore(redis.filter((client): client is Redis => !isCluster(client)));
  if (redis.length > 1)
    throw new CacheOptionsError(
      'a Redis Cluster client must be the only client of a cache service (it opens its own connection to every node)',
    );
  return clusterStore(cluster);
}
