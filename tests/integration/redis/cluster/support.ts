import type { Cluster } from 'ioredis';
import {
  createRedisCluster,
  waitUntilClusterReady,
  type RedisClusterConnectionOptions,
} from '../../../../src/redis/cluster';
import { startRedisCluster, type RedisClusterHandle, type RedisClusterOptions } from 'cachedrepo/testing';

/**
 * A cluster client from `createRedisCluster` on `handle`, ready, with its error events swallowed (tests assert on
 * replies).
 */
export async function connectCluster(
  handle: RedisClusterHandle,
  options: Partial<RedisClusterConnectionOptions> = {},
): Promise<Cluster> {
  const cluster = createRedisCluster({ nodes: handle.nodesList, commandTimeoutMs: 2000, ...options });
  cluster.on('error', () => undefined);
  cluster.on('node error', () => undefined);
  if (!(await waitUntilClusterReady(cluster, 10_000))) {
    cluster.disconnect();
    throw new Error(`cluster client on ${handle.nodesList} not ready in 10 s`);
  }
  return cluster;
}

/** A cluster and a ready client, shared by the tests of one file; both stopped after them. */
export interface ClusterFixture {
  handle: RedisClusterHandle;
  cluster: Cluster;
}

/** Registers a {@link ClusterFixture}'s lifecycle (the object is filled in `beforeAll`). */
export function useRedisCluster(
  options: RedisClusterOptions = {},
  clientOptions: Partial<RedisClusterConnectionOptions> = {},
): ClusterFixture {
  const fixture = {} as ClusterFixture;
  beforeAll(async () => {
    fixture.handle = await startRedisCluster(options);
    fixture.cluster = await connectCluster(fixture.handle, clientOptions);
  }, 60_000);
  afterAll(async () => {
    fixture.cluster?.disconnect();
    await fixture.handle?.stop();
  });
  return fixture;
}

/**
 * `host:port` of the master owning `key`'s slot, asked of the cluster itself (CLUSTER KEYSLOT, then CLUSTER SLOTS
 * through the client's map).
 */
export function ownerInMap(cluster: Cluster, slot: number): string {
  const owner = cluster.slots[slot]?.[0];
  if (owner === undefined) throw new Error(`slot ${slot} not in the map`);
  return owner;
}
