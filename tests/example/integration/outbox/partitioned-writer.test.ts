import { createTestDatabase, type TestDatabase } from '../../support/database';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';
import { startTcpProxy, type TcpProxy } from 'cachedrepo/testing';
import { startCacheWorker, type CacheWorker, type CacheWorkerEnv } from '../../support/worker-process';
import {
  cachedHero,
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

// A one-sided partition: writer A reaches Redis through a proxy the test cuts, reader B
// reaches it directly. A's write commits but its invalidation cannot reach Redis. Today the
// keys are pending in A's memory only, so B, whose Redis is fine, serves the old entry until
// A reconnects, or for the entry's whole TTL (an hour) if A dies first. With the outbox the
// write's keys are in the database, and any process delivers them: B must be fresh within
// the poll interval (100 ms) plus a lease takeover (about 1 s) if A held the delivery lease.

const ENV: CacheWorkerEnv = {
  CACHE_OUTBOX: 'on',
  CACHE_OUTBOX_POLL_MS: '100',
  CACHE_COMMAND_TIMEOUT_MS: '200',
  CACHE_BREAKER_PROBE_MS: '100',
};
/** Reads through B that begin this long after A's write returned must be fresh. */
const BOUND_MS = 2500;
/** How long A stays cut off after its write: well past the bound, so today's gap shows. */
const PARTITION_MS = 4000;

describe('invalidation outbox: the writer cannot reach Redis, the reader can', () => {
  let db: TestDatabase;
  let server: RedisServerHandle;
  let proxy: TcpProxy;
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
    proxy = await startTcpProxy(server.port);
    const started = await Promise.allSettled([
      startCacheWorker('A', proxy.url, db.url, { env: ENV }),
      startCacheWorker('B', server.url, db.url, { env: ENV }),
    ]);
    workers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    [a, b] = workers as [CacheWorker, CacheWorker];
    heroId = await cachedHero(db, 'before', workers);
  }, 60_000);
  afterEach(async () => {
    await Promise.all(workers.map((worker) => worker.kill()));
    await proxy.close();
    await server.stop();
  });

  /** Cuts A off, then A writes. @returns when the write returned */
  async function writeWhilePartitioned(): Promise<number> {
    // Drop, not hold: a held command would reach Redis on resume and hide the gap.
    proxy.pause('drop');
    expect(await a.request('update', heroId, { description: 'after' })).toMatchObject({ description: 'after' });
    const written = now();
    // The write committed but A could not tell Redis.
    expect((await health(a)).breaker).toBe('open');
    return written;
  }

  it('B is fresh within the bound while A stays partitioned', async () => {
    const reader = startReader(b, heroId);
    const written = await writeWhilePartitioned();
    const hitsAtWrite = await hits(b);
    await waitUntilElapsed(written, PARTITION_MS);
    proxy.resume();
    // Observed until A is back and B reads fresh data again, so today's whole gap is measured.
    await until(async () => (await health(a)).breaker === 'closed', 15_000, "A's breaker to close after the partition");
    await until(() => reader.freshForMs('after') >= 300, 15_000, 'B to read fresh data for 300 ms');
    const summary = summarize(await reader.stop(), written, BOUND_MS, 'before', 'after');
    report(`one-sided partition ${PARTITION_MS} ms`, summary, BOUND_MS, await outboxActive(b));

    // Not vacuous: B kept reading and kept using Redis (its side of the network is fine).
    expect(summary.reads).toBeGreaterThan(50);
    expect(await hits(b)).toBeGreaterThan(hitsAtWrite);
    expect(summary.staleAfterBound).toBe(0);
  }, 60_000);

  it('B is fresh within the bound although A dies with the invalidation undelivered', async () => {
    const reader = startReader(b, heroId);
    const written = await writeWhilePartitioned();
    // SIGKILL: nothing A held in memory survives; only what the write put in the database does.
    await a.kill();
    const hitsAtWrite = await hits(b);
    await waitUntilElapsed(written, PARTITION_MS);
    const summary = summarize(await reader.stop(), written, BOUND_MS, 'before', 'after');
    report('writer SIGKILLed while partitioned', summary, BOUND_MS, await outboxActive(b));

    expect(summary.reads).toBeGreaterThan(50);
    expect(await hits(b)).toBeGreaterThan(hitsAtWrite);
    expect(summary.staleAfterBound).toBe(0);
  }, 60_000);
});
