import type { FailoverMode, FailoverResult } from './redis-cluster-api';
import { poll } from './redis-cluster-node';
import type { ClusterState } from './redis-cluster-state';

/**
 * Fails shard `shard` of a test cluster over to its first running replica: by SIGKILL of the master (`crash`, the
 * replica's election) or by `CLUSTER FAILOVER [FORCE|TAKEOVER]` run on the replica; then waits until the cluster is
 * healthy. See {@link RedisClusterHandle.failover}.
 * @param nodeTimeoutMs the cluster's `cluster-node-timeout`, milliseconds
 * @throws {Error} when the shard has no running replica, or the cluster is not healthy within `timeoutMs`
 */
export async function failoverShard(
  state: ClusterState,
  nodeTimeoutMs: number,
  shard: number,
  mode: FailoverMode,
  timeoutMs: number,
): Promise<FailoverResult> {
  const from = await state.masterOf(shard);
  const [to] = await state.replicasOf(shard);
  if (!to) throw new Error(`shard ${shard} has no running replica to fail over to`);
  const started = Date.now();
  if (mode === 'crash') {
    await from.kill();
    // Whoever still answers on its port is not the process we started there: fail now, not after the timeout.
    const answer = await from.command('CLUSTER', 'MYID').catch(() => undefined);
    if (answer !== undefined)
      throw new Error(
        `port ${from.port} still answers after its master (${from.id.slice(0, 8)}, running ` +
          `${from.running}) was killed: ${String(answer).slice(0, 8)}\n${await state.describe()}`,
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
      seen = await state.ownerId(shard, state.runningNodes()).then(
        (owner) => `owner ${owner.slice(0, 8)}`,
        (error: Error) => error.message,
      );
      if (seen === `owner ${to.id.slice(0, 8)}`) return true;
      // A replica that won an election less than 4 node timeouts ago reuses that election's
      // votes and epoch (Redis 7.0 resets them only after 4 node timeouts) and loses to the
      // master's newer epoch; measured here when one pair fails over back and forth. Ask again.
      if (mode !== 'crash' && Date.now() - requested > 4 * nodeTimeoutMs + 500) {
        requested = Date.now();
        await request();
      }
      return false;
    });
  } catch {
    throw new Error(
      `shard ${shard} did not fail over from port ${from.port} to port ${to.port} within ` +
        `${timeoutMs} ms (${seen})\n${await state.describe()}\nthe replica's log ` +
        `ends:\n${to.logTail()}`,
    );
  }
  await state.waitUntilHealthy(timeoutMs);
  return { from, to, startedAt, ms: Date.now() - started };
}
