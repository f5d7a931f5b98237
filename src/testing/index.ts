/**
 * cachedrepo/testing: what a user's own test suite needs to test its strategies and run
 * against a real Redis: a throwaway redis-server, a pausable TCP proxy for partitions, a
 * decoder of raw entries for audits, and the strategy conformance suite (runner-neutral).
 */
export {
  startRedisServer,
  freePort,
  REDIS_SERVER_BINARY,
  type RedisServerHandle,
  type RedisServerOptions,
  type RedisServerTlsFiles,
  type RedisPersistence,
} from './redis-server';
export { startTcpProxy, type TcpProxy } from './tcp-proxy';
export { inspectEntry, type InspectedEntry } from './entries';
export {
  runStrategyConformance,
  strategyConformanceChecks,
  findConformanceFailures,
  type StrategyConformanceCase,
  type QueriesHolding,
  type HoldingCalls,
  type QueryArguments,
  type FieldAlternatives,
  type ConformanceCheck,
  type ConformanceFailure,
  type ConformanceRunner,
} from './conformance';
export { HOSTILE_STRINGS, generateHostileStrings } from './conformance-values';
export {
  startRedisCluster,
  CLUSTER_SLOT_COUNT,
  type RedisClusterHandle,
  type RedisClusterNodeHandle,
  type RedisClusterOptions,
  type FailoverMode,
  type FailoverResult,
} from './redis-cluster';
export { migrateSlot, type MigrateSlotOptions, type MigrateSlotResult } from './redis-cluster-resharding';
