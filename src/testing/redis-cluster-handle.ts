import { rmSync } from 'node:fs';
import type { FailoverMode, FailoverResult, RedisClusterHandle, RedisClusterNodeHandle } from './redis-cluster-api';
import { failoverShard } from './redis-cluster-failover';
import { HOST, poll, type ClusterNode } from './redis-cluster-node';
import { ClusterState } from './redis-cluster-state';

/**
 * The {@link RedisClusterHandle} of started nodes: it joins them into a cluster ({@link create}), answers who is master
 * and replica, fails shards over, and stops every process and removes its directory.
 */
export class ClusterHandle implements RedisClusterHandle {
  readonly seeds: { host: string; port: number }[];
  readonly nodesList: string;
  readonly url: string;
  private readonly state: ClusterState;

  /**
   * @param nodes the started nodes: the `shards` masters first, then the replicas
   * @param root the directory holding every node's directory, removed by {@link stop}
   * @param nodeTimeoutMs the nodes' `cluster-node-timeout`, milliseconds
   */
  constructor(
    readonly nodes: ClusterNode[],
    readonly shards: number,
    tls: boolean,
    private readonly root: string,
    private readonly nodeTimeoutMs: number,
  ) {
    this.seeds = nodes.slice(0, shards).map((node) => ({ host: node.host, port: node.port }));
    this.nodesList = this.seeds.map((seed) => `${seed.host}:${seed.port}`).join(',');
    this.url = `${tls ? 'rediss' : 'redis'}://${HOST}:${nodes[0]?.port}`;
    this.state = new ClusterState(nodes, shards);
  }

  /**
   * Assigns slots, introduces the nodes to each other, attaches replicas, waits until healthy: the steps
   * `redis-cli --cluster create` takes, without redis-cli.
   */
  async create(replicasPerMaster: number): Promise<void> {
    const masters = this.nodes.slice(0, this.shards);
    await Promise.all(
      masters.map(async (node, shard) => {
        // Distinct config epochs up front, as redis-cli does, so no epoch collision has to be resolved later.
        await node.command('CLUSTER', 'SET-CONFIG-EPOCH', String(shard + 1));
        const [first, last] = this.state.slotRange(shard);
        await node.command('CLUSTER', 'ADDSLOTSRANGE', String(first), String(last));
      }),
    );
    const [first] = this.nodes as [ClusterNode];
    for (const node of this.nodes.slice(1))
      await first.command('CLUSTER', 'MEET', HOST, String(node.port), String(node.busPort));
    await poll(20_000, 'the nodes did not all learn of each other', async () => {
      const views = await Promise.all(this.nodes.map((node) => node.view()));
      return views.every(
        (view) =>
          view.length === this.nodes.length &&
          view.every((line) => !line.flags.includes('handshake') && !line.flags.includes('noaddr')),
      );
    });
    await Promise.all(
      this.nodes
        .slice(this.shards)
        .map((replica, index) =>
          replica.command('CLUSTER', 'REPLICATE', (masters[Math.floor(index / replicasPerMaster)] as ClusterNode).id),
        ),
    );
    await this.waitUntilHealthy();
  }

  masterOf(shard: number): Promise<RedisClusterNodeHandle> {
    return this.state.masterOf(shard);
  }

  replicasOf(shard: number): Promise<RedisClusterNodeHandle[]> {
    return this.state.replicasOf(shard);
  }

  failover(shard: number, mode: FailoverMode = 'crash', timeoutMs = 30_000): Promise<FailoverResult> {
    return failoverShard(this.state, this.nodeTimeoutMs, shard, mode, timeoutMs);
  }

  waitUntilHealthy(timeoutMs = 20_000): Promise<void> {
    return this.state.waitUntilHealthy(timeoutMs);
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.kill()));
    rmSync(this.root, { recursive: true, force: true });
  }
}
