import { CLUSTER_SLOT_COUNT, type RedisClusterNodeHandle } from './redis-cluster-api';
import { poll, type ClusterNode } from './redis-cluster-node';

/**
 * What the running nodes of a test cluster agree on: who owns each shard, who replicates whom, whether the cluster is
 * healthy; and a description of each node's view for failure messages. Asked of the nodes themselves (CLUSTER NODES,
 * CLUSTER INFO, INFO replication), never of a client's slot map. A shard is whoever owns its first slot, so it stays
 * the same shard across failovers.
 */
export class ClusterState {
  /** First slot of each shard: shard i is whoever owns it. */
  private readonly shardStarts: number[];

  constructor(
    readonly nodes: readonly ClusterNode[],
    readonly shards: number,
  ) {
    this.shardStarts = Array.from({ length: shards }, (_, shard) => Math.floor((shard * CLUSTER_SLOT_COUNT) / shards));
  }

  /** The slots shard `shard` is given at creation, `[first, last]`. */
  slotRange(shard: number): [number, number] {
    const end = shard + 1 < this.shards ? (this.shardStarts[shard + 1] as number) - 1 : CLUSTER_SLOT_COUNT - 1;
    return [this.shardStarts[shard] as number, end];
  }

  runningNodes(): ClusterNode[] {
    return this.nodes.filter((node) => node.running);
  }

  async masterOf(shard: number): Promise<ClusterNode> {
    const owner = await this.ownerId(shard, this.runningNodes());
    const node = this.nodes.find((candidate) => candidate.id === owner);
    if (!node) throw new Error(`no node owns shard ${shard}`);
    return node;
  }

  async replicasOf(shard: number): Promise<RedisClusterNodeHandle[]> {
    const master = await this.masterOf(shard);
    // Asked of each node (INFO replication), not of a gossip view that may lag behind.
    const replicas: RedisClusterNodeHandle[] = [];
    for (const node of this.runningNodes()) {
      if (node === master) continue;
      const replication = String(await node.command('INFO', 'replication'));
      if (replication.includes('role:slave') && replication.includes(`master_port:${master.port}\r\n`))
        replicas.push(node);
    }
    return replicas;
  }

  async waitUntilHealthy(timeoutMs = 20_000): Promise<void> {
    let reason = '';
    await poll(
      timeoutMs,
      () => `the cluster is not healthy: ${reason}`,
      async () => {
        reason =
          (await this.unhealthyReason().catch((error: unknown) =>
            error instanceof Error ? error.message : String(error),
          )) ?? '';
        return reason === '';
      },
    );
  }

  /** Each node as it sees itself and the others, for a failure message. */
  async describe(): Promise<string> {
    const lines: string[] = [];
    for (const node of this.nodes) {
      if (!node.running) {
        lines.push(`${node.port} ${node.id.slice(0, 8)} pid ${node.pid}: not running`);
        continue;
      }
      const role = await node.command('INFO', 'replication').then(
        (info) => /role:\w+|master_port:\d+|master_link_status:\w+/g[Symbol.match](String(info))?.join(' ') ?? '',
        (error: Error) => error.message,
      );
      const view = await node.view().then(
        (entries) =>
          entries
            .map((entry) => {
              const master = entry.masterId === '-' ? '' : `->${entry.masterId.slice(0, 8)}`;
              return `${entry.id.slice(0, 8)}[${entry.flags.join(',')}]${master}`;
            })
            .join(' '),
        (error: Error) => error.message,
      );
      const serverPid = await node.command('INFO', 'server').then(
        (info) => /process_id:(\d+)/.exec(String(info))?.[1],
        () => '?',
      );
      lines.push(
        `${node.port} ${node.id.slice(0, 8)} pid ${node.pid} (server says ${serverPid}): ${role}; sees ${view}`,
      );
    }
    return lines.join('\n');
  }

  /**
   * The ID of the node owning shard `shard`'s first slot, when every node of `among` agrees. @throws {Error} when they
   * disagree
   */
  async ownerId(shard: number, among: ClusterNode[]): Promise<string> {
    const slot = this.shardStarts[shard];
    if (slot === undefined) throw new Error(`no shard ${shard}: the cluster has ${this.shards}`);
    const owners = new Map<number, string>();
    for (const node of among) {
      const view = await node.view();
      const owner = view.find(
        (line) =>
          line.flags.includes('master') &&
          !line.flags.includes('fail') &&
          line.ranges.some(([from, to]) => from <= slot && slot <= to),
      );
      owners.set(node.port, owner?.id ?? '(none)');
    }
    const distinct = new Set(owners.values());
    if (distinct.size !== 1)
      throw new Error(
        `nodes disagree on shard ${shard}'s master: ` +
          `${[...owners].map(([port, id]) => `${port} says ${id.slice(0, 8)}`).join(', ')}`,
      );
    return [...distinct][0] as string;
  }

  /** Why the cluster is not healthy yet, or undefined when it is. */
  private async unhealthyReason(): Promise<string | undefined> {
    const running = this.runningNodes();
    for (const node of running) {
      const info = String(await node.command('CLUSTER', 'INFO'));
      if (!info.includes('cluster_state:ok')) return `port ${node.port} reports ${/cluster_state:\w+/.exec(info)?.[0]}`;
    }
    for (let shard = 0; shard < this.shards; shard += 1) {
      const owner = await this.ownerId(shard, running);
      if (!running.some((node) => node.id === owner)) return `shard ${shard}'s master is not running`;
    }
    // Gossip spreads a role change over a few round trips: wait until every running node tells the same story.
    const runningIds = new Set(running.map((node) => node.id));
    const stories = new Set<string>();
    for (const node of running) {
      const view = await node.view();
      stories.add(
        view
          .filter((line) => runningIds.has(line.id))
          .map((line) => `${line.id}:${line.flags.includes('master') ? 'master' : line.masterId}`)
          .sort()
          .join(' '),
      );
    }
    if (stories.size > 1) return 'the nodes disagree on who replicates whom';
    for (const node of running) {
      const replication = String(await node.command('INFO', 'replication'));
      if (replication.includes('role:slave') && !replication.includes('master_link_status:up'))
        return `replica on port ${node.port} is not in sync`;
    }
    return undefined;
  }
}
