import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RedisClusterHandle, RedisClusterOptions } from './redis-cluster-api';
import { ClusterHandle } from './redis-cluster-handle';
import { ClusterNode, type NodeAuth } from './redis-cluster-node';
import { freePort, tlsFileArgs } from './redis-server';

// The public shape of the cluster and its nodes (cachedrepo/testing exports it from here).
export {
  CLUSTER_SLOT_COUNT,
  type FailoverMode,
  type FailoverResult,
  type RedisClusterHandle,
  type RedisClusterNodeHandle,
  type RedisClusterOptions,
} from './redis-cluster-api';

/**
 * A throwaway Redis Cluster on loopback ports for tests: masters and replicas started as
 * separate redis-server processes, joined without redis-cli (CLUSTER ADDSLOTSRANGE, MEET,
 * REPLICATE: the steps `redis-cli --cluster create` takes,
 * https://redis.io/docs/latest/operate/oss_and_stack/management/scaling/),
 * and failed over on demand, by a crash or by CLUSTER FAILOVER. Every process is stopped by
 * PID and every directory removed by {@link RedisClusterHandle.stop}.
 *
 * This file starts the processes; redis-cluster-api.ts has the public types, redis-cluster-node.ts one node,
 * redis-cluster-handle.ts the running cluster, redis-cluster-state.ts what its nodes agree on, and
 * redis-cluster-failover.ts a failover.
 */

/**
 * Starts a cluster of `masters` shards with `replicasPerMaster` replicas each on free loopback
 * ports (client and bus ports both chosen free, `--cluster-port`), no persistence, and
 * `cluster-replica-validity-factor 0` (a replica may always take over, however long its link was down),
 * and `repl-diskless-sync-delay 0` (a replica syncs at once, not after the default 5 s).
 * Ready once {@link RedisClusterHandle.waitUntilHealthy} holds.
 * @throws {Error} when a node does not start (with the end of its log) or the cluster is not healthy within 20 s
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisClusterHandle> {
  // Ports are chosen free, then bound by redis-server: another process (a parallel test run) can
  // take one in between. Such a start is retried on new ports; any other failure is not.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startOnFreePorts(options);
    } catch (error) {
      if (attempt >= 3 || !(error instanceof Error && /Address already in use/.test(error.message))) throw error;
    }
  }
}

async function startOnFreePorts(options: RedisClusterOptions): Promise<RedisClusterHandle> {
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 0;
  if (!Number.isInteger(masters) || masters < 1 || !Number.isInteger(replicas) || replicas < 0)
    throw new Error('masters must be at least 1, replicasPerMaster at least 0');
  const root = mkdtempSync(join(tmpdir(), 'redis-cluster-'));
  const auth: NodeAuth = { password: options.password, ca: options.tls ? readFileSync(options.tls.caFile) : undefined };
  const ports = await distinctFreePorts(2 * masters * (1 + replicas));
  const nodes: ClusterNode[] = [];
  for (let index = 0; index < masters * (1 + replicas); index += 1) {
    nodes.push(
      new ClusterNode(
        join(root, `node-${index}`),
        ports[2 * index] as number,
        ports[2 * index + 1] as number,
        nodeArgs(options),
        auth,
      ),
    );
  }
  const handle = new ClusterHandle(nodes, masters, options.tls !== undefined, root, options.nodeTimeoutMs ?? 1000);
  try {
    await Promise.all(nodes.map((node) => node.start()));
    await handle.create(replicas);
  } catch (error) {
    await handle.stop();
    throw error;
  }
  return handle;
}

function nodeArgs(options: RedisClusterOptions): string[] {
  const args = [
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    'nodes.conf',
    '--cluster-node-timeout',
    String(options.nodeTimeoutMs ?? 1000),
    '--cluster-replica-validity-factor',
    '0',
    '--repl-diskless-sync-delay',
    '0',
    '--save',
    '',
    '--appendonly',
    'no',
  ];
  if (options.password !== undefined) args.push('--requirepass', options.password, '--masterauth', options.password);
  const { tls } = options;
  if (tls) args.push('--tls-cluster', 'yes', '--tls-replication', 'yes', ...tlsFileArgs(tls));
  return [...args, ...(options.args ?? [])];
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
