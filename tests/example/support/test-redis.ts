import type { Cluster, Redis } from 'ioredis';
import { createRedisClient, waitUntilReady } from 'cachedrepo';
import { createRedisCluster, waitUntilClusterReady } from 'cachedrepo/cluster';
import { startRedisCluster, startRedisServer, type RedisClusterHandle } from 'cachedrepo/testing';

/**
 * The Redis of the test pass: jest.config.js sets `TEST_REDIS_TOPOLOGY` in each project's
 * `globals` (`cluster` in the `redis-cluster` project; anything else is a single redis-server).
 */
export type TestRedisTopology = 'standalone' | 'cluster';

/** The topology this pass runs against. */
export function testRedisTopology(): TestRedisTopology {
  return (globalThis as { TEST_REDIS_TOPOLOGY?: unknown }).TEST_REDIS_TOPOLOGY === 'cluster' ? 'cluster' : 'standalone';
}

/** A throwaway Redis of either topology, started by {@link startTestRedis}. */
export interface TestRedis {
  readonly topology: TestRedisTopology;
  /** `redis://127.0.0.1:port` of the server, or of the cluster's first seed. */
  readonly url: string;
  /** The cluster (null standalone): failovers, node handles. */
  readonly cluster: RedisClusterHandle | null;
  /** The variables a process needs to reach it: REDIS_URL, plus REDIS_CLUSTER_NODES on a cluster. */
  readonly env: Record<string, string>;
  /**
   * A connected client as the library builds one (`createRedisClient` or `createRedisCluster`),
   * its error events swallowed (tests assert on replies), ready.
   * @param commandTimeoutMs milliseconds per command
   */
  connect(commandTimeoutMs?: number): Promise<Redis | Cluster>;
  /**
   * FLUSHALL on the server, or on every master of the cluster (a cluster client sends keyless commands to one node).
   */
  flushAll(client: Redis | Cluster): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A redis-server (`startRedisServer`) or, in the cluster pass, a cluster of 3 masters with one
 * replica each on loopback ports (`startRedisCluster`: 2 to 4 s here), so that tests written
 * against this helper run on both topologies.
 * @param topology overrides the pass's topology
 * @param clusterOptions `nodeTimeoutMs`: the cluster's `cluster-node-timeout` (default 1000 ms; longer keeps a paused
 *   cluster from failing over)
 */
export async function startTestRedis(
  topology: TestRedisTopology = testRedisTopology(),
  clusterOptions: { nodeTimeoutMs?: number } = {},
): Promise<TestRedis> {
  if (topology === 'standalone') {
    const server = await startRedisServer();
    return {
      topology,
      url: server.url,
      cluster: null,
      env: { REDIS_URL: server.url },
      connect: async (commandTimeoutMs = 1000) => {
        const redis = createRedisClient({ url: server.url, commandTimeoutMs });
        redis.on('error', () => undefined);
        await waitUntilReady(redis, 5000);
        return redis;
      },
      flushAll: async (client) => void (await (client as Redis).flushall()),
      stop: () => server.stop(),
    };
  }
  const handle = await startRedisCluster({ masters: 3, replicasPerMaster: 1, ...clusterOptions });
  return {
    topology,
    url: handle.url,
    cluster: handle,
    env: { REDIS_URL: handle.url, REDIS_CLUSTER_NODES: handle.nodesList },
    connect: async (commandTimeoutMs = 1000) => {
      const cluster = createRedisCluster({ nodes: handle.nodesList, commandTimeoutMs });
      cluster.on('error', () => undefined);
      cluster.on('node error', () => undefined);
      if (!(await waitUntilClusterReady(cluster, 10_000))) {
        cluster.disconnect();
        throw new Error(`cluster client on ${handle.nodesList} not ready in 10 s`);
      }
      return cluster;
    },
    flushAll: async (client) =>
      void (await Promise.all((client as Cluster).nodes('master').map((node) => node.flushall()))),
    stop: () => handle.stop(),
  };
}
