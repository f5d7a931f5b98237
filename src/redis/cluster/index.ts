/**
 * Redis Cluster support, as modules the gateway and the cache service call: a fail-fast
 * cluster client, multi-key commands split per slot, operations on every master, per-master
 * restore detection and the topology guard. See the guide's "Redis Cluster" section.
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
export { keySlot, hashTagFor, CLUSTER_SLOTS } from './key-slot';
export {
  groupBySlot,
  groupByMaster,
  mgetAcrossSlots,
  unlinkAcrossSlots,
  isCluster,
  type SlotGroup,
  type RedisClient,
} from './slot-groups';
export {
  clusterMasters,
  forEachMaster,
  refreshSlotMap,
  scanAndUnlinkOnNode,
  scanAndUnlinkEverywhere,
  type ClusterMaster,
} from './masters';
export {
  validateClusterDataset,
  validateMaster,
  clusterMarkerKey,
  markerKeyForSlots,
  runIdOf,
  type MasterValidation,
} from './cluster-dataset-validation';
export { ClusterTopologyGuard, type TopologyDistrustReason, type TopologyListener } from './topology';
export { ClusterTracking } from './cluster-tracking';
