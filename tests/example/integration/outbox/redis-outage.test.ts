import { createTestDatabase, type TestDatabase } from '../../support/database';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';
import { startCacheWorker, type CacheWorker, type CacheWorkerEnv } from '../../support/worker-process';
import {
  cachedHero,
  describeHero,
  health,
  hits,
  now,
  outboxActive,
  report,
  startReader,
  summarize,
  waitUntilElapsed,
} from './scenario';
import { until } from '../../../support/wait';

// A Redis-wide outage (SIGSTOP: connections stay open, commands time out) during which
// process A writes, then recovery. A write's invalidation that never reached Redis must
// not let process B serve the old entry once B trusts Redis again: today only A knows the
// key is stale, and B serves the old entry until A's own probe delivers it. With the
// invalidation outbox, B replays the outbox before its breaker closes.
//
// A's breaker is opened before it writes, so its invalidation is never sent. (A command
// sent to a stopped server waits in the socket and runs on SIGCONT, before anything sent
// later, which would hide the gap.) A probes every 5 s, B every 100 ms: B's freshness must
// not depend on when the writer recovers, and the slow writer makes today's gap visible
// every run instead of in the runs where B's probe happens to fire first.

const COMMON: CacheWorkerEnv = { CACHE_OUTBOX: 'on', CACHE_OUTBOX_POLL_MS: '100', CACHE_COMMAND_TIMEOUT_MS: '200' };
const WRITER_PROBE_MS = 5000;
/** Reads that begin this long after the write returned (and Redis answers) must be fresh. */
const BOUND_MS = 1000;
/** When B never noticed the outage, only a deliverer can tell it: poll + lease takeover. */
const DELIVERY_BOUND_MS = 2500;
/** The outage goes on this long after the write. */
const OUTAGE_AFTER_WRITE_MS = 500;
/** Observed until the writer's own probe has fired today, with a second to spare. */
const OBSERVE_MS = WRITER_PROBE_MS + 1500;

describe('invalidation outbox: Redis-wide outage (SIGSTOP) with a write in it', () => {
  let db: TestDatabase;
  let server: RedisServerHandle;
  let workers: CacheWorker[] = [];
  let a: CacheWorker;
  let b: CacheWorker;
  let heroId: string;

  beforeAll(() => {
    db = createTestDatabase();
  });
  afterAll(() => db.close());

  beforeEach(async () => {
    server = await startRedisServer();
    const started = await Promise.allSettled([
      startCacheWorker('A', server.url, db.url, {
        env: { ...COMMON, CACHE_BREAKER_PROBE_MS: String(WRITER_PROBE_MS) },
      }),
      startCacheWorker('B', server.url, db.url, { env: { ...COMMON, CACHE_BREAKER_PROBE_MS: '100' } }),
    ]);
    workers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    [a, b] = workers as [CacheWorker, CacheWorker];
    heroId = await cachedHero(db, 'before', workers);
  }, 60_000);
  afterEach(async () => {
    // A stopped server ignores SIGTERM: continue it first.
    server.signal('SIGCONT');
    await Promise.all(workers.map((worker) => worker.kill()));
    await server.stop();
  });

  /** Reads through `worker` (each times out against the stopped server) until its breaker opens. */
  const openBreaker = (worker: CacheWorker): Promise<void> =>
    until(
      async () => {
        await describeHero(worker, heroId);
        return (await health(worker)).breaker === 'open';
      },
      10_000,
      `${worker.name}'s breaker to open`,
    );

  /** A writes during the outage; its invalidation cannot be sent. @returns when the write returned */
  async function writeDuringOutage(): Promise<number> {
    await openBreaker(a);
    expect(await a.request('update', heroId, { description: 'after' })).toMatchObject({ description: 'after' });
    const written = now();
    expect((await health(a)).breaker).toBe('open');
    return written;
  }

  async function outageWithBReading(bOpensFirst: boolean, scenario: string): Promise<void> {
    server.signal('SIGSTOP');
    let reader: ReturnType<typeof startReader> | null = null;
    if (bOpensFirst) reader = startReader(b, heroId);
    const written = await writeDuringOutage();
    reader ??= startReader(b, heroId);
    await until(async () => (await health(b)).breaker === 'open', 10_000, "B's breaker to open");
    await waitUntilElapsed(written, OUTAGE_AFTER_WRITE_MS);
    server.signal('SIGCONT');
    const hitsAtRecovery = await hits(b);
    await waitUntilElapsed(written, OBSERVE_MS);
    await until(async () => (await health(b)).breaker === 'closed', 10_000, "B's breaker to close");
    await until(() => reader.freshForMs('after') >= 300, 15_000, 'B to read fresh data for 300 ms');
    const summary = summarize(await reader.stop(), written, BOUND_MS, 'before', 'after');
    report(scenario, summary, BOUND_MS, await outboxActive(b));

    // Not vacuous: B read throughout and trusts Redis again.
    expect(summary.reads).toBeGreaterThan(50);
    expect(await hits(b)).toBeGreaterThan(hitsAtRecovery);
    // B's breaker opened during the outage, and a recovering process replays the outbox
    // before it trusts Redis: no stale read at all, not merely none past the bound.
    expect({ stale: summary.stale, staleAfterBound: summary.staleAfterBound }).toEqual({
      stale: 0,
      staleAfterBound: 0,
    });
  }

  it("B's breaker opened before A's write: B serves no stale read after the write returned", async () => {
    await outageWithBReading(true, 'redis SIGSTOP, B open before write');
  }, 60_000);

  it("B's breaker opened after A's write: B serves no stale read after the write returned", async () => {
    await outageWithBReading(false, 'redis SIGSTOP, B open after write');
  }, 60_000);

  it('B never noticed the outage: fresh within the delivery bound once Redis answers again', async () => {
    server.signal('SIGSTOP');
    const written = await writeDuringOutage();
    await waitUntilElapsed(written, OUTAGE_AFTER_WRITE_MS);
    server.signal('SIGCONT');
    // B sent nothing during the outage, so its breaker stayed closed: only a deliverer can tell it.
    const resumed = now();
    const reader = startReader(b, heroId);
    await waitUntilElapsed(written, OBSERVE_MS);
    await until(() => reader.freshForMs('after') >= 300, 15_000, 'B to read fresh data for 300 ms');
    const summary = summarize(await reader.stop(), resumed, DELIVERY_BOUND_MS, 'before', 'after');
    report('redis SIGSTOP, B idle (window from SIGCONT)', summary, DELIVERY_BOUND_MS, await outboxActive(b));

    expect(summary.reads).toBeGreaterThan(50);
    expect(summary.staleAfterBound).toBe(0);
  }, 60_000);
});
