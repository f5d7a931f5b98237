import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cluster, Redis } from 'ioredis';
import { CachedRepository, CacheService, createRedisClient, waitUntilReady } from 'cachedrepo';
import { createPrismaClient, migrateDatabase } from '../example';
import type { Hero } from '../example/domain';
import { PrismaHeroRepository } from '../example/infrastructure/prisma';
import type { HeroRepository } from '../example/repositories';
import { heroCacheStrategy } from '../example/strategies';
import { benchHero } from './support/contenders';
import { benchLogger } from './support/environment';
import { createRedisCluster, waitUntilClusterReady } from '../src/redis/cluster';
import { groupBySlot, mgetAcrossSlots } from '../src/redis/cluster/slot-groups';
import { keySlot } from '../src/redis/cluster/key-slot';
import { validateClusterDataset } from '../src/redis/cluster/cluster-dataset-validation';
import { validateDataset } from '../src/redis/dataset-validation';
import { startRedisCluster, startRedisServer, type FailoverMode, type RedisClusterHandle } from 'cachedrepo/testing';
import { printTable, summarize, timeMicros } from './support/stats';

/**
 * Redis Cluster costs (`npx tsx bench/cluster.ts`; not part of `npm run bench` yet):
 * - how long a throwaway loopback cluster takes to be ready, with and without replicas;
 * - how long a failover takes, by crash (SIGKILL, `cluster-node-timeout` 1000 ms) and by
 *   CLUSTER FAILOVER (default, FORCE, TAKEOVER), until every node agrees and reports ok;
 * - a read of 100 keys: one MGET on one server vs one MGET per slot on 3 masters;
 * - the longest read while a master crashes and its replica takes over: a routed GET with and
 *   without ioredis auto-pipelining, and mgetAcrossSlots (commandTimeout 500 ms);
 * - restore validation (the recovery probe) on one server vs on every master;
 * - the library itself (CachedRepository over Prisma + SQLite, CacheService without near cache):
 *   a hit, findByIds(100) of cached heroes, and an update (write + invalidation), on one
 *   server vs on a cluster of 3 masters with a replica each.
 */

const READY_RUNS = 5;
const FAILOVER_RUNS = 5;
const MGET_KEYS = 100;
const MGET_SEQUENTIAL = 3_000;
const MGET_CONCURRENT = 10_000;
const IN_FLIGHT = 16;
const VALIDATE_RUNS = 500;

async function sequential(count: number, call: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let index = 0; index < count; index += 1) samples.push(await timeMicros(call));
  return samples;
}

async function throughput(total: number, inFlight: number, call: () => Promise<unknown>): Promise<number> {
  let issued = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (issued < total) {
        issued += 1;
        await call();
      }
    }),
  );
  return total / (Number(process.hrtime.bigint() - start) / 1e9);
}

async function connect(handle: RedisClusterHandle, autoPipelining = false, commandTimeoutMs = 5000): Promise<Cluster> {
  const cluster = createRedisCluster({ nodes: handle.nodesList, commandTimeoutMs, autoPipelining });
  cluster.on('error', () => undefined);
  cluster.on('node error', () => undefined);
  if (!(await waitUntilClusterReady(cluster, 10_000))) throw new Error('bench: cluster client not ready');
  return cluster;
}

async function readyTimes(): Promise<(string | number)[][]> {
  const rows: (string | number)[][] = [];
  for (const replicasPerMaster of [0, 1]) {
    const samples: number[] = [];
    for (let run = 0; run < READY_RUNS; run += 1) {
      const started = Date.now();
      const handle = await startRedisCluster({ masters: 3, replicasPerMaster });
      samples.push(Date.now() - started);
      await handle.stop();
    }
    const summary = summarize(samples);
    rows.push([
      `3 masters, ${replicasPerMaster} replica each (${3 * (1 + replicasPerMaster)} processes)`,
      summary.median,
      Math.min(...samples),
      Math.max(...samples),
    ]);
  }
  return rows;
}

async function failoverTimes(): Promise<(string | number)[][]> {
  const handle = await startRedisCluster({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1000 });
  const rows: (string | number)[][] = [];
  try {
    for (const mode of ['crash', 'manual', 'force', 'takeover'] as FailoverMode[]) {
      const samples: number[] = [];
      for (let run = 0; run < FAILOVER_RUNS; run += 1) {
        const result = await handle.failover(run % 3, mode);
        samples.push(result.ms);
        if (mode === 'crash') {
          await result.from.restart();
          await handle.waitUntilHealthy();
        }
      }
      rows.push([mode, summarize(samples).median, Math.min(...samples), Math.max(...samples)]);
    }
  } finally {
    await handle.stop();
  }
  return rows;
}

async function mgetCosts(): Promise<(string | number)[][]> {
  const server = await startRedisServer();
  const handle = await startRedisCluster({ masters: 3 });
  const single = createRedisClient({ url: server.url, commandTimeoutMs: 5000 });
  const clusters = [await connect(handle, false), await connect(handle, true)];
  const keys = Array.from({ length: MGET_KEYS }, (_, index) => `cache:hero:${index}`);
  const rows: (string | number)[][] = [];
  try {
    if (!(await waitUntilReady(single, 5000))) throw new Error('bench: single server not ready');
    const value = 'x'.repeat(500);
    for (const key of keys) await Promise.all([single.set(key, value), clusters[0]?.set(key, value)]);
    const routedPerSlot = (cluster: Cluster) => async () =>
      (await Promise.all(groupBySlot(keys).map((group) => cluster.mget(...group.keys)))).flat();
    const contenders: [string, () => Promise<unknown>][] = [
      ['1 server: one MGET', () => single.mget(...keys)],
      ['3 masters: mgetAcrossSlots (a pipeline per master)', () => mgetAcrossSlots(clusters[0] as Cluster, keys)],
      ['3 masters: one routed MGET per slot', routedPerSlot(clusters[0] as Cluster)],
      ['3 masters: one routed MGET per slot, auto-pipelining', routedPerSlot(clusters[1] as Cluster)],
    ];
    for (const [name, call] of contenders) {
      const check = (await call()) as (string | null)[];
      if (check.length !== MGET_KEYS || check.some((entry) => entry !== value))
        throw new Error(`bench: ${name} answered wrongly`);
      await sequential(300, call);
      const latency = summarize(await sequential(MGET_SEQUENTIAL, call));
      rows.push([name, latency.median, latency.p95, await throughput(MGET_CONCURRENT, IN_FLIGHT, call)]);
    }
  } finally {
    single.disconnect();
    for (const cluster of clusters) cluster.disconnect();
    await handle.stop();
    await server.stop();
  }
  return rows;
}

/**
 * The longest read (ms) of keys of the crashing shard, from the kill until 1 s after the
 * cluster is healthy again, and how many reads failed: a routed GET, or mgetAcrossSlots of
 * 20 keys (pipelines on the masters' own connections).
 */
async function longestReadThroughCrash(
  read: 'GET' | 'mgetAcrossSlots',
  autoPipelining: boolean,
): Promise<[number, number]> {
  const handle = await startRedisCluster({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1000 });
  const cluster = await connect(handle, autoPipelining, 500);
  try {
    const master = await handle.masterOf(0);
    const keys = Array.from({ length: 200 }, (_, index) => `cache:hero:${index}`)
      .filter((candidate) => cluster.slots[keySlot(candidate)]?.[0] === `${master.host}:${master.port}`)
      .slice(0, 20);
    for (const key of keys) await cluster.set(key, 'v');
    const call = read === 'GET' ? () => cluster.get(keys[0] as string) : () => mgetAcrossSlots(cluster, keys);
    let running = true;
    let longest = 0;
    let failures = 0;
    const reader = (async () => {
      while (running) {
        const started = Date.now();
        await call().catch(() => (failures += 1));
        longest = Math.max(longest, Date.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    await handle.failover(0, 'crash');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    running = false;
    await reader;
    return [longest, failures];
  } finally {
    cluster.disconnect();
    await handle.stop();
  }
}

async function validationCosts(): Promise<(string | number)[][]> {
  const server = await startRedisServer();
  const handle = await startRedisCluster({ masters: 3 });
  const single: Redis = createRedisClient({ url: server.url, commandTimeoutMs: 5000 });
  const cluster = await connect(handle);
  try {
    if (!(await waitUntilReady(single, 5000))) throw new Error('bench: single server not ready');
    await validateDataset(single, 'cache:', 500);
    await validateClusterDataset(cluster, 'cache:', 500);
    const one = summarize(await sequential(VALIDATE_RUNS, () => validateDataset(single, 'cache:', 500)));
    const perMaster = summarize(await sequential(VALIDATE_RUNS, () => validateClusterDataset(cluster, 'cache:', 500)));
    return [
      ['1 server: INFO + GET marker', one.median, one.p95],
      ['3 masters: CLUSTER SLOTS, then INFO + GET marker on each', perMaster.median, perMaster.p95],
    ];
  } finally {
    single.disconnect();
    cluster.disconnect();
    await handle.stop();
    await server.stop();
  }
}

async function readsThroughCrash(): Promise<(string | number)[][]> {
  return [
    ['routed GET', ...(await longestReadThroughCrash('GET', false))],
    ['routed GET, auto-pipelining', ...(await longestReadThroughCrash('GET', true))],
    ['mgetAcrossSlots of 20 keys', ...(await longestReadThroughCrash('mgetAcrossSlots', false))],
  ];
}

const LIBRARY_ROUNDS = 5;
const LIBRARY_PER_ROUND = { hit: 2_000, findByIds: 200, update: 200 };

/**
 * The library's rows, interleaved: each round measures the standalone service, then the
 * cluster one, on the same SQLite database (WAL, no fsync: the write measures the code).
 */
async function libraryCosts(): Promise<(string | number)[][]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-cluster-'));
  const url = `file:${join(dir, 'bench.db')}`;
  const [server, handle] = await Promise.all([
    startRedisServer(),
    startRedisCluster({ masters: 3, replicasPerMaster: 1 }),
    migrateDatabase(url),
  ]);
  const prisma = createPrismaClient(url);
  const services: CacheService[] = [];
  try {
    await prisma.$queryRawUnsafe('PRAGMA journal_mode = WAL');
    await prisma.$queryRawUnsafe('PRAGMA synchronous = OFF');
    const plain = new PrismaHeroRepository(prisma);
    const heroes: Hero[] = [];
    for (let index = 0; index < 100; index += 1) heroes.push(await plain.save(benchHero(index)));
    const ids = heroes.map((hero) => hero.id);
    const single = createRedisClient({ url: server.url, commandTimeoutMs: 5000 });
    if (!(await waitUntilReady(single, 5000))) throw new Error('bench: single server not ready');
    const topologies = [
      { name: '1 server', service: new CacheService(single, { logger: benchLogger }) },
      { name: '3 masters + 3 replicas', service: new CacheService(await connect(handle), { logger: benchLogger }) },
    ];
    const samples = new Map<string, number[]>();
    for (const { name, service } of topologies) {
      services.push(service);
      if (!(await service.waitUntilReady(10_000))) throw new Error(`bench: ${name} cache not ready`);
    }
    const repositories = topologies.map(({ name, service }) => ({
      name,
      heroes: CachedRepository.wrap<Hero, HeroRepository>(plain, heroCacheStrategy(), service),
    }));
    for (const { heroes: repository } of repositories) await repository.findByIds(ids);
    const record = (row: string, values: number[]): void =>
      void samples.set(row, [...(samples.get(row) ?? []), ...values]);
    for (let round = 0; round < LIBRARY_ROUNDS; round += 1) {
      for (const { name, heroes: repository } of repositories) {
        let turn = 0;
        record(
          `${name}: hit`,
          await sequential(LIBRARY_PER_ROUND.hit, () => repository.findById(ids[turn++ % ids.length] as string)),
        );
        record(
          `${name}: findByIds(100)`,
          await sequential(LIBRARY_PER_ROUND.findByIds, () => repository.findByIds(ids)),
        );
        record(
          `${name}: update`,
          await sequential(LIBRARY_PER_ROUND.update, () =>
            repository.update(ids[turn++ % ids.length] as string, { description: `r${round} t${turn}` }),
          ),
        );
        // Refill what the updates invalidated, outside the timings.
        await repository.findByIds(ids);
      }
    }
    return [...samples].map(([row, values]) => {
      const summary = summarize(values);
      return [row, summary.median, summary.p95];
    });
  } finally {
    await Promise.all(services.map((service) => service.close()));
    await prisma.$disconnect();
    await handle.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const WINDOW_RUNS = 3;

/**
 * The failover window as the library sees it: from the SIGKILL of a master (cluster-node-timeout
 * 1000 ms) until the cluster agrees on the promoted replica, and until a CacheService on it trusts
 * the cache again (every master validated, the promoted one cleared). Reads in between go to the database.
 */
async function failoverWindow(): Promise<(string | number)[][]> {
  const healthy: number[] = [];
  const trusted: number[] = [];
  for (let run = 0; run < WINDOW_RUNS; run += 1) {
    const handle = await startRedisCluster({ masters: 3, replicasPerMaster: 1 });
    const service = new CacheService(await connect(handle, false, 500), {
      logger: { ...benchLogger, warn: () => undefined },
      circuitBreaker: { probeIntervalMs: 100 },
    });
    try {
      if (!(await service.waitUntilReady(10_000))) throw new Error('bench: cluster cache not ready');
      let untrustedSince = 0;
      let trustedAgain = 0;
      const watch = setInterval(() => {
        const closed = service.health().breaker === 'closed';
        if (!closed && untrustedSince === 0) untrustedSince = Date.now();
        if (closed && untrustedSince !== 0 && trustedAgain === 0) trustedAgain = Date.now();
      }, 5);
      const result = await handle.failover(1, 'crash');
      const deadline = Date.now() + 30_000;
      while (trustedAgain === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      clearInterval(watch);
      healthy.push(result.ms);
      trusted.push(trustedAgain - result.startedAt);
    } finally {
      await service.close();
      await handle.stop();
    }
  }
  const row = (name: string, values: number[]): (string | number)[] => [
    name,
    summarize(values).median,
    Math.min(...values),
    Math.max(...values),
  ];
  return [row('cluster agrees on the new master', healthy), row('CacheService trusts the cache again', trusted)];
}

/** The sections, in order; `npx tsx bench/cluster.ts failover mget` runs some. */
const SECTIONS: Record<string, [string, string[], () => Promise<(string | number)[][]>]> = {
  ready: [
    'Cluster ready (ms, from the first spawn until every node reports cluster_state:ok and replicas are in sync)',
    ['cluster', 'median', 'min', 'max'],
    readyTimes,
  ],
  failover: [
    `Failover of one shard (ms, until every running node agrees on the new master and reports ` +
      `ok; ${FAILOVER_RUNS} runs each; cluster-node-timeout 1000 ms)`,
    ['mode', 'median', 'min', 'max'],
    failoverTimes,
  ],
  mget: [
    `Read of ${MGET_KEYS} keys (sequential latency in microseconds; throughput with ${IN_FLIGHT} reads in flight)`,
    ['reader', 'median', 'p95', 'reads/s'],
    mgetCosts,
  ],
  crash: [
    'Longest read through a crash failover (ms; commandTimeout 500 ms; reads every 5 ms, failed ones counted)',
    ['read', 'longest', 'failed'],
    readsThroughCrash,
  ],
  library: [
    `The library, standalone vs cluster (CachedRepository over Prisma + SQLite, no near cache; ` +
      `microseconds; ${LIBRARY_ROUNDS} interleaved rounds)`,
    ['operation', 'median', 'p95'],
    libraryCosts,
  ],
  window: [
    `Failover window after a master's SIGKILL (ms; ${WINDOW_RUNS} runs; cluster-node-timeout ` +
      `1000 ms, command timeout 500 ms, probe every 100 ms)`,
    ['until', 'median', 'min', 'max'],
    failoverWindow,
  ],
  validation: [
    `Restore validation without clearing (the recovery probe; microseconds, ${VALIDATE_RUNS} runs)`,
    ['topology', 'median', 'p95'],
    validationCosts,
  ],
};

/** Runs the sections named in `wanted` (all when empty). */
export async function clusterBench(wanted: readonly string[] = []): Promise<void> {
  const unknown = wanted.filter((name) => !(name in SECTIONS));
  if (unknown.length > 0)
    throw new Error(`unknown section(s) ${unknown.join(', ')}; known: ${Object.keys(SECTIONS).join(', ')}`);
  for (const [name, [title, header, run]] of Object.entries(SECTIONS)) {
    if (wanted.length === 0 || wanted.includes(name)) printTable(title, header, await run());
  }
}

if (require.main === module) {
  clusterBench(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
