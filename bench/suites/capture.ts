import { CachedRepository, CacheService, createRedisClient, waitUntilReady } from 'cachedrepo';
import { ChangeCapture } from 'cachedrepo/capture';
import { PrismaOutbox } from 'cachedrepo/prisma';
import { startRedisServer } from 'cachedrepo/testing';
import { heroCacheStrategy, heroKeys, PrismaHeroRepository, type Hero, type HeroRepository } from '../../example';
import { exampleCaptureStrategies } from '../../example/capture/start-capture';
import { benchHero } from '../support/contenders';
import { postgresBenchDatabases, sqliteBenchDatabases, type CaptureBenchDatabases } from '../support/capture-databases';
import { bulkLag, steadyLag, type LagTarget } from '../support/capture-lag';
import { DeletedKeys } from '../support/deleted-keys';
import { benchLogger } from '../support/environment';
import { interleaved, percentile, type Measured } from '../support/harness';
import type { SuiteResult, Table } from '../support/report';

/** Steady writes a second, and for how long. */
const RATE = 50;
const STEADY_SECONDS = 5;
/** Rows of the one large UPDATE, and how many times it is run. */
const BULK_ROWS = 10_000;
const BULK_RUNS = 3;
/** Interleaved rounds of the write cost, and updates per contender per round. */
const ROUNDS = 16;
const PER_TURN = 50;

/** The write-cost contenders, the baseline first. */
const BASELINE = 'Prisma update';
const OUTBOX = 'cached update + outbox (no capture)';
const CAPTURE = 'cached update + capture (outbox configured, skipped)';

interface DatabaseFigures {
  db: CaptureBenchDatabases;
  steady: Awaited<ReturnType<typeof steadyLag>>;
  bulk: { ms: number; missing: number }[];
  cost: Measured[];
}

/**
 * Change capture (REDIS_CACHE.md section 16), on SQLite and on PostgreSQL (skipped with a note when PostgreSQL is not
 * installed), with the example's hero and its strategy, the consumer in this process with its defaults:
 * (a) the lag from a raw-SQL write committed on the writer's own connection to the hero's key gone from Redis, at a
 * steady 50 writes a second; (b) the lag of one UPDATE of 10,000 rows until all 10,000 hero keys are gone; (c) the
 * cost of a cached update when capture is the durable mode (an outbox configured, as by default, which the started
 * consumer makes the captured writes skip) against the same update with the outbox (no capture), both against
 * Prisma's own update, in interleaved rounds. Deletions are seen through Redis's keyspace
 * notifications, not by polling.
 */
export default async function capture(): Promise<SuiteResult> {
  const started = Date.now();
  const server = await startRedisServer(['--notify-keyspace-events', 'Eg']);
  const strategies = exampleCaptureStrategies();
  const measured: DatabaseFigures[] = [];
  const notes: string[] = [];
  try {
    for (const open of [sqliteBenchDatabases, postgresBenchDatabases]) {
      const db = await open(strategies);
      if ('skipped' in db) {
        notes.push(`PostgreSQL skipped: ${db.skipped}`);
        console.log(`capture: PostgreSQL skipped: ${db.skipped}`);
        continue;
      }
      try {
        measured.push(await measure(db, server.url));
      } finally {
        await db.close();
      }
    }
  } finally {
    await server.stop();
  }
  return report(measured, notes, Date.now() - started);
}

async function measure(db: CaptureBenchDatabases, redisUrl: string): Promise<DatabaseFigures> {
  const redis = createRedisClient({ url: redisUrl, commandTimeoutMs: 5000 });
  const cacheOf = (keyPrefix: string, outbox?: PrismaOutbox): CacheService =>
    new CacheService(createRedisClient({ url: redisUrl, commandTimeoutMs: 5000 }), {
      logger: benchLogger,
      nearCache: false,
      keyPrefix,
      ...(outbox && { outbox }),
    });
  // The defaults: an outbox configured; the started consumer makes the captured writes skip it.
  const captureCache = cacheOf('capture', new PrismaOutbox(db.captured));
  const plainCache = cacheOf('plain');
  const outboxCache = cacheOf('outbox', new PrismaOutbox(db.plain));
  const caches = [captureCache, plainCache, outboxCache];
  const deleted = await DeletedKeys.watch(redisUrl);
  let consumer: ChangeCapture | null = null;
  try {
    if (!(await waitUntilReady(redis, 5000))) throw new Error('bench: Redis not ready');
    for (const cache of caches) if (!(await cache.waitUntilReady(5000))) throw new Error('bench: cache not ready');
    consumer = new ChangeCapture(captureCache, await db.source(), {
      strategies: exampleCaptureStrategies(),
      logger: benchLogger,
    });
    await consumer.start();
    const running = consumer;
    // A first start on PostgreSQL creates the slot and clears the prefix once.
    await until(() => running.health().reading && (db.kind === 'sqlite' || running.health().prefixClears === 1));

    const capturedBase = new PrismaHeroRepository(db.captured);
    const plainBase = new PrismaHeroRepository(db.plain);
    const template = await capturedBase.save(benchHero(0));
    const lagIds = await db.cloneHeroes(template.id, 'lag-', RATE * STEADY_SECONDS);
    const bulkIds = await db.cloneHeroes(template.id, 'bulk-', BULK_ROWS);
    const inserted = 1 + lagIds.length + bulkIds.length;
    await until(() => running.health().changesApplied >= inserted, 60_000);

    const target: LagTarget = { db, redis, deleted, keyOf: (id) => captureCache.fullKey(heroKeys.byId({ id })) };
    const steady = await steadyLag(target, lagIds, RATE);
    const bulk: { ms: number; missing: number }[] = [];
    for (let run = 1; run <= BULK_RUNS; run += 1) bulk.push(await bulkLag(target, 'bulk-', bulkIds, run));

    const strategy = heroCacheStrategy();
    const plainHero = await plainBase.save(benchHero(1));
    const plainCached = CachedRepository.wrap<Hero, HeroRepository>(plainBase, strategy, plainCache);
    const outboxCached = CachedRepository.wrap<Hero, HeroRepository>(plainBase, strategy, outboxCache);
    const captureCached = CachedRepository.wrap<Hero, HeroRepository>(capturedBase, strategy, captureCache);
    let version = 0;
    const description = (): string => `v${(version += 1)}`;
    const cost = await interleaved(
      [
        {
          name: BASELINE,
          call: () => db.plain.hero.update({ where: { id: plainHero.id }, data: { description: description() } }),
        },
        {
          name: 'Prisma update, table captured',
          call: () => db.captured.hero.update({ where: { id: template.id }, data: { description: description() } }),
        },
        {
          name: 'cached update (no outbox, no capture)',
          call: () => plainCached.update(plainHero.id, { description: description() }),
        },
        { name: OUTBOX, call: () => outboxCached.update(plainHero.id, { description: description() }) },
        { name: CAPTURE, call: () => captureCached.update(template.id, { description: description() }) },
      ],
      ROUNDS,
      PER_TURN,
    );
    return { db, steady, bulk, cost };
  } finally {
    await consumer?.stop();
    deleted.close();
    await Promise.all(caches.map((cache) => cache.close()));
    redis.disconnect();
  }
}

/** Polls `condition` every 5 ms. @throws {Error} after `timeoutMs` */
async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`bench: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function report(measured: DatabaseFigures[], notes: string[], durationMs: number): SuiteResult {
  const figures: Record<string, number> = {};
  const lag: Table = {
    title:
      `Capture lag (ms): a raw-SQL UPDATE committed on another connection to the hero's key gone from Redis, ` +
      `${RATE} writes/s for ${STEADY_SECONDS} s; the consumer's defaults (SQLite: the change table polled every ` +
      `100 ms). From the statement's return (commit acknowledged) and from its sending; missed: keys never gone; ` +
      `late: writes sent more than one interval after their slot; early: keys seen gone before the statement ` +
      `returned (both reach this process; counted as 0 ms from the return)`,
    header: ['database', 'from the UPDATE', 'writes', 'p50 ms', 'p99 ms', 'max ms', 'missed', 'late', 'early'],
    rows: [],
  };
  const bulk: Table = {
    title: `One UPDATE of ${BULK_ROWS.toLocaleString('en-US')} rows, committed to every hero key gone (ms)`,
    header: ['database', ...Array.from({ length: BULK_RUNS }, (_, run) => `run ${run + 1}`), 'median', 'missed'],
    rows: [],
  };
  const cost: Table = {
    title:
      `Write cost (us, ${ROUNDS} interleaved rounds of ${PER_TURN}; ratio to Prisma's own update on the database ` +
      `without capture; CPU of this process per call, the consumer's and the deliverer's work included)`,
    header: ['database', 'call', 'median us', 'p99 us', 'cpu us', 'x Prisma update'],
    rows: [],
  };
  for (const { db, steady, bulk: runs, cost: calls } of measured) {
    const p = (q: number): number => percentile(steady.lagsMs, q);
    const sent = (q: number): number => percentile(steady.fromSentMs, q);
    const counts = [String(steady.missing), String(steady.late), String(steady.early)];
    lag.rows.push([db.label, 'returned', steady.writes, p(50), p(99), p(100), ...counts]);
    lag.rows.push([db.label, 'sent', steady.writes, sent(50), sent(99), sent(100), ...counts]);
    const bulkMs = runs.map((run) => run.ms);
    const bulkMedian = percentile(
      [...bulkMs].sort((a, b) => a - b),
      50,
    );
    bulk.rows.push([db.label, ...bulkMs, bulkMedian, String(runs.reduce((sum, run) => sum + run.missing, 0))]);
    const base = (calls.find((call) => call.name === BASELINE) as Measured).median;
    for (const call of calls)
      cost.rows.push([db.label, call.name, call.median, call.p99, call.cpu, call.median / base]);
    const ratio = (name: string): number => (calls.find((call) => call.name === name) as Measured).median / base;
    Object.assign(figures, {
      [`${db.kind}LagP50Ms`]: p(50),
      [`${db.kind}LagP99Ms`]: p(99),
      [`${db.kind}LagMaxMs`]: p(100),
      [`${db.kind}LagFromSentP50Ms`]: sent(50),
      [`${db.kind}LagFromSentP99Ms`]: sent(99),
      [`${db.kind}Bulk10kMs`]: bulkMedian,
      [`${db.kind}CaptureUpdateRatio`]: ratio(CAPTURE),
      [`${db.kind}OutboxUpdateRatio`]: ratio(OUTBOX),
    });
    notes.push(
      `${db.label}: capture as the durable mode costs ${ratio(CAPTURE).toFixed(2)}x Prisma's update, the outbox ` +
        `${ratio(OUTBOX).toFixed(2)}x (outbox / capture: ${(ratio(OUTBOX) / ratio(CAPTURE)).toFixed(2)})`,
    );
  }
  return {
    suite: 'capture',
    title: 'Change capture: lag and write cost',
    durationMs,
    tables: [lag, bulk, cost],
    charts: measured.map(({ db, cost: calls }) => ({
      title: `Durable cached update, ${db.kind}`,
      unit: 'us, lower is better',
      bars: calls.map((call) => ({
        label: call.name,
        value: call.median,
        kind: call.name.startsWith('Prisma') ? ('database' as const) : ('library' as const),
      })),
    })),
    figures,
    notes,
  };
}
