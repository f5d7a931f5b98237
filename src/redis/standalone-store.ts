import type { Redis } from 'ioredis';
import { scanAndUnlink, validateDataset, type ClearedDataset, type DatasetValidation } from './dataset-validation';
import { getOrLease, type GetOrLeaseSupport, type LeasedRead } from './get-or-lease';
import { receiptScriptCall, UNLINK_WITH_RECEIPT } from './receipts';
import { runScript } from './scripts';
import type { LuaScript, RedisStore, StoreConnection, StoreTopology, TrustHooks } from './store';

/** A failed `CLIENT CACHING YES` only means the key is not tracked: its reader's fill ticket is void then anyway. */
const ignore = (): void => undefined;

/**
 * One connection to one redis-server.
 *
 * The commands sent in one tick leave in one write: the first corks the socket (`socket.cork()`, Node docs,
 * "writable.cork()") until the tick's end (`process.nextTick`), so that Node sends everything written meanwhile in one
 * `writev` instead of one `write` system call per command, in the order written. On loopback TCP a write costs the
 * sender the kernel's work for both ends; in a 4-process YCSB B run on PostgreSQL the library's per-command writes took
 * about a tenth of its workers' sampled time, where node-redis (cache-manager's client) corks the same way
 * (REDIS_CACHE.md section 14). Unlike ioredis's auto-pipelining (a pipeline object per command, sent on a later turn of
 * the event loop) it adds only the cork and a `nextTick` to a command sent alone (bench/socket-cork.ts).
 */
export class StandaloneConnection implements StoreConnection {
  private readonly support: GetOrLeaseSupport = { unsupported: false };
  #corked = false;

  constructor(private readonly client: Redis) {}

  /** The client, its socket corked until the end of the tick (see the class comment). */
  get redis(): Redis {
    if (!this.#corked) {
      const socket = this.client.stream as Redis['stream'] | undefined;
      if (socket?.writable) {
        socket.cork();
        this.#corked = true;
        process.nextTick(() => {
          this.#corked = false;
          socket.uncork();
        });
      }
    }
    return this.client;
  }

  get(key: string): Promise<string | null> {
    return this.redis.get(key);
  }

  getOrLease(key: string, token: string, ttlSeconds: number): Promise<LeasedRead> {
    return getOrLease(this.redis, this.support, key, token, ttlSeconds);
  }

  mget(keys: readonly string[]): Promise<(string | null)[]> {
    return keys.length === 0 ? Promise.resolve([]) : this.redis.mget(...keys);
  }

  async setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    return (await this.redis.set(key, value, 'EX', ttlSeconds, 'NX')) === 'OK';
  }

  script(lua: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    return runScript(this.redis, lua, keys, args);
  }

  async loadScripts(scripts: readonly LuaScript[]): Promise<void> {
    await Promise.all(scripts.map((script) => this.redis.script('LOAD', script.lua)));
  }

  unlink(keys: readonly string[]): Promise<number> {
    return keys.length === 0 ? Promise.resolve(0) : this.redis.unlink(...keys);
  }

  async unlinkWithReceipt(keys: readonly string[], receipt: string, ttlMs: number): Promise<number> {
    if (keys.length === 0) return 0;
    const call = receiptScriptCall([...new Set(keys)], receipt, ttlMs);
    return Number(await runScript(this.redis, UNLINK_WITH_RECEIPT, call.keys, call.args));
  }

  scanAndUnlink(match: string, batchSize: number): Promise<number> {
    return scanAndUnlink(this.redis, match, batchSize);
  }

  optInNextRead(): void {
    // Written to the socket in this synchronous block, before the caller's next command.
    this.redis.call('CLIENT', 'CACHING', 'YES').catch(ignore);
  }

  async validateDataset(
    prefix: string,
    batchSize: number,
    onCleared: (cleared: ClearedDataset) => void,
  ): Promise<DatasetValidation> {
    const validation = await validateDataset(this.redis, prefix, batchSize);
    if (validation.cleared) onCleared({ runId: validation.runId, removed: validation.removed });
    return validation;
  }
}

/**
 * Trust on one redis-server: every (re)connection may reach a server restarted from a snapshot
 * or a promoted replica, so a closed connection distrusts the cache and a ready one probes it;
 * restore detection validates that server (`dataset-validation.ts`).
 */
export class StandaloneTopology implements StoreTopology {
  readonly sendsWhileDistrusted = false;
  private readonly unwatch: (() => void)[] = [];

  constructor(private readonly clients: readonly Redis[]) {}

  watch(hooks: TrustHooks): void {
    for (const client of this.clients) {
      const onClose = (): void => hooks.distrust('connection');
      const onReady = (): void => hooks.probe();
      client.on('close', onClose);
      client.on('ready', onReady);
      this.unwatch.push(() => {
        client.off('close', onClose);
        client.off('ready', onReady);
      });
      if (client.status === 'ready') hooks.probe();
    }
  }

  ticket(): number {
    return 0;
  }

  confirm(): boolean {
    return true;
  }

  dispose(): void {
    for (const unwatch of this.unwatch.splice(0)) unwatch();
  }
}

/** Standalone connections, used in turn (REDIS_MAX_CONNECTIONS). */
export function standaloneStore(clients: readonly Redis[]): RedisStore {
  return {
    clients,
    connections: clients.map((client) => new StandaloneConnection(client)),
    topology: new StandaloneTopology(clients),
    tracking: { clients, forcedMode: undefined, acquireClusterTracking: undefined },
  };
}
