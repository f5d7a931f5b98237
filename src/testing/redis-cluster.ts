import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterNode, HOST, poll, type NodeAuth } from './redis-cluster-node';
import { freePort, tlsFileArgs, type RedisServerTlsFiles } from './redis-server';

/**
 * A throwaway Redis Cluster on loopback ports for tests: masters and replicas started as
 * separate redis-server processes, joined without redis-cli (CLUSTER ADDSLOTSRANGE, MEET,
 * REPLICATE: the steps `redis-cli --cluster create` takes,
 * https://redis.io/docs/latest/operate/oss_and_stack/management/scaling/),
 * and failed over on demand, by a crash or by CLUSTER FAILOVER. Every process is stopped by
 * PID and every directory removed by {@link RedisClusterHandle.stop}.
 */

/** How {@link startRedisCluster} builds the cluster. Timeouts are milliseconds. */
export interface RedisClusterOptions {
  /** Masters (shards); the 16384 slots are split evenly in this order. @default 3 */
  masters?: number;
  /** Replicas of each master (a crash failover needs one). @default 0 */
  replicasPerMaster?: number;
  /** More redis-server arguments for every node. */
  args?: string[];
  /** `requirepass` and `masterauth` of every node: clients and replicas must authenticate. */
  password?: string;
  /**
   * Serve TLS only, on clients, replication and the cluster bus (`--tls-cluster yes`). The
   * bus always authenticates its peers, so the certificate must also allow client
   * authentication (`extendedKeyUsage=serverAuth,clientAuth`); with `serverAuth` alone the
   * nodes never learn of each other and start-up fails.
   */
  tls?: RedisServerTlsFiles;
  /** `cluster-node-timeout`: how long a master may be unreachable before its replica takes over. @default 1000 */
  nodeTimeoutMs?: number;
}

/**
 * `crash`: SIGKILL the master and wait for its replica's election; the others are `CLUSTER FAILOVER [FORCE|TAKEOVER]`
 * run on the replica.
 */
export type FailoverMode = 'crash' | 'manual' | 'force' | 'takeover';

/** What {@link RedisClusterHandle.failover} did. */
export interface FailoverResult {
  /** The former master (stopped after a crash). */
  from: RedisClusterNodeHandle;
  /** The promoted replica. */
  to: RedisClusterNodeHandle;
  /**
   * `Date.now()` once the killed master had exited (crash), or when FAILOVER was sent: no reply from the old master can
   * come later.
   */
  startedAt: number;
  /**
   * Milliseconds from the kill (or the FAILOVER command) until every running node reported the new master and
   * `cluster_state:ok`.
   */
  ms: number;
}

/** One redis-server of the cluster. */
export interface RedisClusterNodeHandle {
  readonly host: string;
  readonly port: number;
  /** The node ID (CLUSTER MYID), stable across restarts (kept in its nodes.conf). */
  readonly id: string;
  /** False after a kill or a stop, until a restart. */
  readonly running: boolean;
  /** Sends a signal to the process (SIGSTOP, SIGCONT...). */
  signal(signal: NodeJS.Signals): void;
  /** SIGKILL, resolved once the process has exited. */
  kill(): Promise<void>;
  /**
   * Starts the process again on the same ports with its nodes.conf: it rejoins (an ousted master as a replica), with an
   * empty dataset.
   */
  restart(): Promise<void>;
  /** The last lines of this node's log (for a failure message). */
  logTail(): string;
  /**
   * Sends one command to this node alone (authenticated, over TLS when the cluster uses it). @throws {Error} on an
   * error reply or no answer within 2 s
   */
  command(...args: string[]): Promise<string | number | null>;
}

/** A running cluster, see {@link startRedisCluster}. */
export interface RedisClusterHandle {
  /** Masters first (shard order), then the replicas. Roles change with failovers: ask {@link masterOf}. */
  readonly nodes: readonly RedisClusterNodeHandle[];
  /** The initial masters, as seeds for a client: `[{ host, port }]`. */
  readonly seeds: readonly { host: string; port: number }[];
  /** The seeds as `REDIS_CLUSTER_NODES` takes them: `127.0.0.1:7001,127.0.0.1:7002,...`. */
  readonly nodesList: string;
  /** `redis://127.0.0.1:port` (or `rediss://`) of the first seed. */
  readonly url: string;
  /** Number of shards (masters). */
  readonly shards: number;
  /** The node that currently owns shard `shard`'s slots (as the running nodes agree). */
  masterOf(shard: number): Promise<RedisClusterNodeHandle>;
  /** The running replicas of shard `shard`. */
  replicasOf(shard: number): Promise<RedisClusterNodeHandle[]>;
  /**
   * Fails shard `shard` over to its first running replica and waits until the cluster is
   * healthy ({@link waitUntilHealthy}, apart from the killed node).
   * @throws {Error} when the shard has no running replica, or the cluster is not healthy within `timeoutMs` (default 30
   *   s)
   */
  failover(shard: number, mode?: FailoverMode, timeoutMs?: number): Promise<FailoverResult>;
  /**
   * Waits until every running node reports `cluster_state:ok`, they agree on each shard's
   * master, every master is running, and every running replica's link to its master is up.
   * @throws {Error} with the last reason after `timeoutMs` (default 20 s)
   */
  waitUntilHealthy(timeoutMs?: number): Promise<void>;
  /** Kills every process by PID and removes the directories. */
  stop(): Promise<void>;
}

export const CLUSTER_SLOT_COUNT = 16384;

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

class ClusterHandle implements RedisClusterHandle {
  readonly seeds: { host: string; port: number }[];
  readonly nodesList: string;
  readonly url: string;
  /** First slot of each shard: shard i is whoever owns it. */
  private readonly shardStarts: number[];

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
    this.shardStarts = Array.from({ length: shards }, (_, shard) => Math.floor((shard * CLUSTER_SLOT_COUNT) / shards));
  }

  /** Assigns slots, introduces the nodes to each other, attaches replicas, waits until healthy. */
  async create(replicasPerMaster: number): Promise<void> {
    const masters = this.nodes.slice(0, this.shards);
    await Promise.all(
      masters.map(async (node, shard) => {
        // Distinct config epochs up front, as redis-cli does, so no epoch collision has to be resolved later.
        await node.command('CLUSTER', 'SET-CONFIG-EPOCH', String(shard + 1));
        const end = shard + 1 < this.shards ? (this.shardStarts[shard + 1] as number) - 1 : CLUSTER_SLOT_COUNT - 1;
        await node.command('CLUSTER', 'ADDSLOTSRANGE', String(this.shardStarts[shard]), String(end));
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

  async masterOf(shard: number): Promise<RedisClusterNodeHandle> {
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

  async failover(shard: number, mode: FailoverMode = 'crash', timeoutMs = 30_000): Promise<FailoverResult> {
    const from = await this.masterOf(shard);
    const [to] = await this.replicasOf(shard);
    if (!to) throw new Error(`shard ${shard} has no running replica to fail over to`);
    const started = Date.now();
    if (mode === 'crash') {
      await from.kill();
      // Whoever still answers on its port is not the process we started there: fail now, not after the timeout.
      const answer = await from.command('CLUSTER', 'MYID').catch(() => undefined);
      if (answer !== undefined)
        throw new Error(
          `port ${from.port} still answers after its master (${from.id.slice(0, 8)}, running ` +
            `${from.running}) was killed: ${String(answer).slice(0, 8)}\n${await this.describe()}`,
        );
    }
    const request = (): Promise<unknown> =>
      to.command('CLUSTER', 'FAILOVER', ...(mode === 'manual' ? [] : [mode.toUpperCase()]));
    if (mode !== 'crash') await request();
    const startedAt = mode === 'crash' ? Date.now() : started;
    let seen = '';
    let requested = Date.now();
    try {
      await poll(timeoutMs, 'no failover', async () => {
        seen = await this.ownerId(shard, this.runningNodes()).then(
          (owner) => `owner ${owner.slice(0, 8)}`,
          (error: Error) => error.message,
        );
        if (seen === `owner ${to.id.slice(0, 8)}`) return true;
        // A replica that won an election less than 4 node timeouts ago reuses that election's
        // votes and epoch (Redis 7.0 resets them only after 4 node timeouts) and loses to the
        // master's newer epoch; measured here when one pair fails over back and forth. Ask again.
        if (mode !== 'crash' && Date.now() - requested > 4 * this.nodeTimeoutMs + 500) {
          requested = Date.now();
          await request();
        }
        return false;
      });
    } catch {
      throw new Error(
        `shard ${shard} did not fail over from port ${from.port} to port ${to.port} within ` +
          `${timeoutMs} ms (${seen})\n${await this.describe()}\nthe replica's log ` +
          `ends:\n${to.logTail()}`,
      );
    }
    await this.waitUntilHealthy(timeoutMs);
    return { from, to, startedAt, ms: Date.now() - started };
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

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.kill()));
    rmSync(this.root, { recursive: true, force: true });
  }

  /** Each node as it sees itself and the others, for a failure message. */
  private async describe(): Promise<string> {
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

  private runningNodes(): ClusterNode[] {
    return this.nodes.filter((node) => node.running);
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

  /**
   * The ID of the node owning shard `shard`'s first slot, when every node of `among` agrees. @throws {Error} when they
   * disagree
   */
  private async ownerId(shard: number, among: ClusterNode[]): Promise<string> {
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
}
