/**
 * cachedrepo/cluster: a fail-fast ioredis Cluster client for the cache, and the REDIS_CLUSTER_NODES
 * parser (REDIS_CACHE.md, "Running against Redis Cluster"). Hand the client to `new CacheService(...)`:
 * everything else (slot grouping, per-master restore detection, topology guard) is internal.
 */
export {
  createRedisCluster,
  parseClusterNodes,
  clusterNodesEnv,
  waitUntilClusterReady,
  type ClusterNodeAddress,
  type ClusterNodesSetting,
  type RedisClusterConnectionOptions,
} from './cluster-client';
