import type { CacheLogger } from '../../../src/observability/cache-logger';
import { PendingInvalidations } from '../../../src/protocol/pending-invalidations';
import { Recovery } from '../../../src/protocol/recovery';
import type { RedisGateway } from '../../../src/redis/redis-gateway';
import type { StoreConnection } from '../../../src/redis/store';

// The recovery only needs the gateway's `run` and a store connection's loadScripts, validateDataset, scanAndUnlink and
// unlink. `duringScan` runs while the SCAN + UNLINK of an overflow is under way: a write failing meanwhile.

function fakeRedis(duringScan: () => void) {
  const log: string[] = [];
  const redis = {
    loadScripts: async () => undefined,
    validateDataset: async () => ({ runId: 'run', cleared: false, removed: 0 }),
    scanAndUnlink: async (match: string) => {
      log.push(`SCAN+UNLINK ${match}`);
      duringScan();
      return 0;
    },
    unlink: async (keys: readonly string[]) => {
      log.push(`UNLINK ${keys.join(' ')}`);
      return keys.length;
    },
  };
  return { redis: redis as unknown as StoreConnection, log };
}

function fakeGateway(redis: StoreConnection): RedisGateway {
  const gateway = {
    run: <R>(_operation: string, _stats: unknown, command: (client: StoreConnection) => Promise<R>) => command(redis),
  };
  return gateway as unknown as RedisGateway;
}

const silent: CacheLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

describe('Recovery of an overflowed pending set', () => {
  it('delivers a key whose write failed while the prefix was being cleared', async () => {
    const pending = new PendingInvalidations(2);
    pending.add(['a', 'b', 'c']);
    const { redis, log } = fakeRedis(() => pending.add(['hero:7']));
    const recovery = new Recovery(fakeGateway(redis), 'cache:', 500, pending, null, silent);

    expect(await recovery.run()).toBe(true);
    expect(log).toEqual(['SCAN+UNLINK cache:[^!]*', 'UNLINK cache:hero:7']);
    expect(pending.empty).toBe(true);
  });

  it('clears the prefix again when the whole prefix was given up on during the clearing', async () => {
    const pending = new PendingInvalidations();
    pending.overflow();
    let scans = 0;
    // Change capture gives up on single keys while the first clearing runs (the scan may have passed its keys).
    const { redis, log } = fakeRedis(() => {
      scans += 1;
      if (scans === 1) pending.overflow();
    });
    const recovery = new Recovery(fakeGateway(redis), 'cache:', 500, pending, null, silent);

    expect(await recovery.run()).toBe(false);
    expect(pending.overflowed).toBe(true);
    expect(await recovery.run()).toBe(true);
    expect(log).toEqual(['SCAN+UNLINK cache:[^!]*', 'SCAN+UNLINK cache:[^!]*']);
  });
});
