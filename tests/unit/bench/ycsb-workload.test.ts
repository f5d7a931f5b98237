import { mergeRun } from '../../../bench/support/ycsb-run';
import type { YcsbContender } from '../../../bench/support/ycsb-contenders';
import { describeVersion, INITIAL_VERSION } from '../../../bench/support/ycsb-stale';
import { runPhase, sharedClockUs, type PhaseLog, type WorkloadName } from '../../../bench/support/ycsb-workload';

// The YCSB pipeline end to end, without Redis or a database: clients, logs, merge and stale-read count, on an
// in-memory store that is always fresh and on a cache in front of it that never invalidates.
const ids = Array.from({ length: 50 }, (_, index) => `hero-${index}`);
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function memoryStore(): Map<string, string> {
  return new Map(ids.map((id) => [id, describeVersion(INITIAL_VERSION)]));
}

/** Reads and writes the store itself, each after a turn of the event loop: every read sees every completed write. */
function fresh(store: Map<string, string>): YcsbContender {
  return {
    name: 'fresh',
    kind: 'baseline',
    read: async (id) => {
      await turn();
      return { description: store.get(id) ?? null };
    },
    update: async (id, description) => {
      await turn();
      store.set(id, description);
    },
  };
}

/** A cache in front of the store that keeps what it loaded forever: reads after an update return the old version. */
function neverInvalidates(store: Map<string, string>): YcsbContender {
  const cached = new Map<string, string | null>();
  const inner = fresh(store);
  return {
    ...inner,
    name: 'never invalidates',
    read: async (id) => {
      if (!cached.has(id)) cached.set(id, (await inner.read(id))?.description ?? null);
      return { description: cached.get(id) ?? null };
    },
  };
}

async function run(
  contender: YcsbContender,
  workload: WorkloadName,
  processIndex = 0,
  firstSequence = 1,
): Promise<PhaseLog> {
  const startUs = sharedClockUs() + 20_000;
  const { log } = await runPhase(contender, {
    workload,
    clients: 8,
    ids,
    startUs,
    measureFromUs: startUs + 100_000,
    stopUs: startUs + 300_000,
    processIndex,
    firstSequence,
  });
  return log;
}

describe('YCSB workload and merge', () => {
  it('counts no stale read on a store whose every read is fresh, and both reads and updates in A', async () => {
    const result = mergeRun('plain Prisma', 'A', [await run(fresh(memoryStore()), 'A')]);
    expect(result.stale).toMatchObject({ stale: 0, unknown: 0 });
    expect(result.reads).toBeGreaterThan(100);
    expect(result.updates).toBeGreaterThan(100);
    expect(result.errors).toBe(0);
    expect(result.readP99Ms).toBeGreaterThanOrEqual(result.readP50Ms);
  });

  it('counts stale reads of a cache that never invalidates, across two processes sharing the store', async () => {
    const store = memoryStore();
    // Two "processes": each has its own cache and its own version numbers; one of them only reads.
    const logs = await Promise.all([run(neverInvalidates(store), 'A', 0), run(neverInvalidates(store), 'C', 1)]);
    const result = mergeRun('self-check: never invalidates', 'A', logs);
    expect(result.stale.unknown).toBe(0);
    expect(result.stale.stale).toBeGreaterThan(0);
    expect(result.processes).toBe(2);
  });

  it('runs C with reads only, and counts a failed update as an error that never makes a read stale', async () => {
    const store = memoryStore();
    const c = mergeRun('plain Prisma', 'C', [await run(fresh(store), 'C')]);
    expect(c.updates).toBe(0);
    expect(c.updateP50Ms).toBeNaN();
    const failing: YcsbContender = { ...fresh(store), update: () => Promise.reject(new Error('write refused')) };
    const a = mergeRun('plain Prisma', 'A', [await run(failing, 'A')]);
    expect(a.errors).toBeGreaterThan(0);
    expect(a.updates).toBe(0);
    expect(a.stale).toMatchObject({ stale: 0, unknown: 0 });
  });
});
