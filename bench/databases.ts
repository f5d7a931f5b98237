import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { Client } from 'pg';
import {
  CachedRepository,
  CacheService,
  createRedisClient,
  errors,
  waitUntilReady,
  type AffectedKeysOf,
  type EntityChanges,
} from 'cachedrepo';
import { startRedisServer } from 'cachedrepo/testing';
import { PrismaOutbox } from 'cachedrepo/prisma';
import {
  createPrismaClient,
  Gender,
  heroCacheStrategy,
  Language,
  migrateDatabase,
  PrismaHeroRepository,
  type Hero,
  type HeroRepository,
} from '../example';
import type { Hero as HeroRow, PrismaClient } from '../generated/prisma/client';
import { heroMapper } from '../example/infrastructure/prisma/hero-mapper';
import { runContention } from '../tests/example/integration/databases/support/contention';
import { startPostgresServer } from '../tests/example/integration/databases/support/postgres-server';
import { printTable, summarize, timeMicros } from './support/stats';

/**
 * `npx tsx bench/databases.ts`: what a read and a write cost on each database, and how SQLite
 * holds up under four writing processes.
 *
 * 1. Latency (interleaved rounds, so drift hits every path alike) of what a user would otherwise
 *    run (Prisma's own `findUnique` and `update`), of the repository's findById, of a cached miss
 *    (GET, lease, load, store) and of the writes that keep the before-state
 *    (updateReturningBeforeImage, updateRecorded with an outbox row) in three versions: v0.2 (one
 *    interactive transaction, findUnique + update [+ create]), 0.3 (raw SELECT + compiled
 *    update, as a batch or with a raw outbox INSERT in an interactive transaction) and now (raw
 *    statements only: src/prisma/fast-update.ts), and of a cached update with and
 *    without the outbox (one UNLINK to a local Redis).
 *    Databases: SQLite as the app configures it (WAL, synchronous=FULL), SQLite with
 *    synchronous=OFF, and PostgreSQL 15 in a throwaway cluster (fsync off), over loopback.
 * 2. Four processes reading and updating the same three rows for BENCH_CONTENTION_MS (default
 *    10000) each: failed writes with the stock SQLite adapter (deferred BEGIN, rollback journal,
 *    as before) and with the app's (WAL, busy timeout, BEGIN IMMEDIATE), and on PostgreSQL.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 12);
const PER_ROUND = Number(process.env.BENCH_PER_ROUND ?? 60);
/** 0 skips part 2. */
const CONTENTION_MS = Number(process.env.BENCH_CONTENTION_MS ?? 10_000);
/** Only the latency of this database (`sqlite`, `sqlite-off`, `postgresql`), when set. */
const ONLY = process.env.BENCH_DATABASE;

/** The write path of v0.2, kept to measure against: everything in one interactive transaction. */
class V02HeroRepository extends PrismaHeroRepository {
  constructor(private readonly client: PrismaClient) {
    super(client);
  }

  override updateReturningBeforeImage(
    id: string,
    changes: EntityChanges<Hero>,
  ): Promise<{ before: Hero; after: Hero }> {
    return this.client.$transaction(async (tx) => {
      const before = await tx.hero.findUnique({ where: { id } });
      if (!before) throw new errors.EntityNotFoundError('Hero', id);
      return {
        before: heroMapper.toDomain(before),
        after: heroMapper.toDomain(await tx.hero.update({ where: { id }, data: heroMapper.toUpdateData(changes) })),
      };
    });
  }

  override updateRecorded(
    id: string,
    changes: EntityChanges<Hero>,
    affected: AffectedKeysOf<Hero>,
  ): Promise<{ before: Hero; after: Hero }> {
    return this.client.$transaction(async (tx) => {
      const row = await tx.hero.findUnique({ where: { id } });
      if (!row) throw new errors.EntityNotFoundError('Hero', id);
      const before = heroMapper.toDomain(row);
      const after = heroMapper.toDomain(
        await tx.hero.update({ where: { id }, data: heroMapper.toUpdateData(changes) }),
      );
      await tx.cacheOutbox.create({ data: { keys: JSON.stringify(affected(before, after)) } });
      return { before, after };
    });
  }
}

const HERO_COLUMNS = '"id", "name", "language", "gender", "description", "createdAt", "updatedAt"';

/** The write path of 0.3, kept to measure against: raw before-state SELECT, compiled UPDATE. */
class V03HeroRepository extends PrismaHeroRepository {
  readonly #select: string;
  readonly #insert: string;

  constructor(
    private readonly client: PrismaClient,
    postgres: boolean,
  ) {
    super(client);
    this.#select = `SELECT ${HERO_COLUMNS} FROM "Hero" WHERE "id" = ${postgres ? '$1 FOR UPDATE' : '?'}`;
    this.#insert = `INSERT INTO "CacheOutbox" ("keys", "createdAt") VALUES (${postgres ? '$1, $2' : '?, ?'})`;
  }

  override async updateReturningBeforeImage(
    id: string,
    changes: EntityChanges<Hero>,
  ): Promise<{ before: Hero; after: Hero }> {
    const [rows, after] = await this.client.$transaction([
      this.client.$queryRawUnsafe<HeroRow[]>(this.#select, id),
      this.client.hero.update({ where: { id }, data: heroMapper.toUpdateData(changes) }),
    ]);
    return { before: heroMapper.toDomain(rows[0] as HeroRow), after: heroMapper.toDomain(after) };
  }

  override updateRecorded(
    id: string,
    changes: EntityChanges<Hero>,
    affected: AffectedKeysOf<Hero>,
  ): Promise<{ before: Hero; after: Hero }> {
    return this.client.$transaction(async (tx) => {
      const [row] = await tx.$queryRawUnsafe<HeroRow[]>(this.#select, id);
      if (!row) throw new errors.EntityNotFoundError('Hero', id);
      const before = heroMapper.toDomain(row);
      const after = heroMapper.toDomain(
        await tx.hero.update({ where: { id }, data: heroMapper.toUpdateData(changes) }),
      );
      await tx.$executeRawUnsafe(this.#insert, JSON.stringify(affected(before, after)), new Date());
      return { before, after };
    });
  }
}

/** Errors only: closing a cache service logs its lost connection as a warning, which says nothing here. */
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: console.error };

async function latency(label: string, url: string, redisUrl: string): Promise<void> {
  const prisma = createPrismaClient(url);
  if (label.includes('synchronous=OFF')) await prisma.$queryRawUnsafe('PRAGMA synchronous = OFF');
  const redis = createRedisClient({ url: redisUrl, commandTimeoutMs: 5000 });
  if (!(await waitUntilReady(redis, 5000))) throw new Error('bench: Redis is not ready');
  const cache = new CacheService(redis, { logger: quiet, keyPrefix: `plain-${label.length}`, nearCache: false });
  const outboxCache = new CacheService(redis, {
    logger: quiet,
    outbox: new PrismaOutbox(prisma),
    keyPrefix: `outbox-${label.length}`,
    nearCache: false,
  });
  try {
    await Promise.all([cache.waitUntilReady(5000), outboxCache.waitUntilReady(5000)]);
    const now = new PrismaHeroRepository(prisma);
    const v02 = new V02HeroRepository(prisma);
    const v03 = new V03HeroRepository(prisma, label.startsWith('PostgreSQL'));
    const strategy = heroCacheStrategy();
    const affected: AffectedKeysOf<Hero> = (before, after) => strategy.affectedKeys(before, after);
    const cached = CachedRepository.wrap<Hero, HeroRepository>(now, strategy, cache);
    const cachedOutbox = CachedRepository.wrap<Hero, HeroRepository>(now, strategy, outboxCache);
    const hero = await now.save({
      name: 'Atalanta',
      language: Language.Greek,
      gender: Gender.Female,
      description: 'x'.repeat(300),
    });
    // Every miss reads a hero no cache holds yet; plain reads go over the same rows.
    const cold: string[] = [];
    for (let i = 0; i < ROUNDS * PER_ROUND; i += 1)
      cold.push(
        (
          await now.save({
            name: `Cold ${i}`,
            language: Language.English,
            gender: Gender.Other,
            description: 'y'.repeat(300),
          })
        ).id,
      );
    let n = 0;
    let miss = 0;
    let read = 0;
    const coldId = (): string => cold[read++ % cold.length] as string;
    const paths: Record<string, () => Promise<unknown>> = {
      'prisma.hero.findUnique': () => prisma.hero.findUnique({ where: { id: coldId() } }),
      'findById (repository)': () => now.findById(coldId()),
      'cached miss': () => cached.findById(cold[miss++] as string),
      'prisma.hero.update': () => prisma.hero.update({ where: { id: hero.id }, data: { description: `p${(n += 1)}` } }),
      'updateReturningBeforeImage, v0.2': () =>
        v02.updateReturningBeforeImage(hero.id, { description: `a${(n += 1)}` }),
      'updateReturningBeforeImage, 0.3': () => v03.updateReturningBeforeImage(hero.id, { description: `a${(n += 1)}` }),
      'updateReturningBeforeImage, now': () => now.updateReturningBeforeImage(hero.id, { description: `b${(n += 1)}` }),
      'updateRecorded (outbox row), v0.2': () => v02.updateRecorded(hero.id, { description: `c${(n += 1)}` }, affected),
      'updateRecorded (outbox row), 0.3': () => v03.updateRecorded(hero.id, { description: `c${(n += 1)}` }, affected),
      'updateRecorded (outbox row), now': () => now.updateRecorded(hero.id, { description: `d${(n += 1)}` }, affected),
      'cached update, no outbox': () => cached.update(hero.id, { description: `e${(n += 1)}` }),
      'cached update + outbox': () => cachedOutbox.update(hero.id, { description: `f${(n += 1)}` }),
    };
    const names = Object.keys(paths);
    const samples = new Map<string, number[]>(names.map((name) => [name, []]));
    for (let round = 0; round < ROUNDS; round += 1) {
      for (let i = 0; i < names.length; i += 1) {
        const name = names[(round + i) % names.length] as string;
        const run = paths[name] as () => Promise<unknown>;
        for (let j = 0; j < PER_ROUND; j += 1) {
          const micros = await timeMicros(run);
          // round 0 warms up (and runs the write path's probes)
          if (round > 0) (samples.get(name) as number[]).push(micros);
        }
      }
    }
    const median = (name: string): number => summarize(samples.get(name) ?? []).median;
    const rows = names.map((name) => {
      const summary = summarize(samples.get(name) ?? []);
      const read = name.includes('findUnique') || name.includes('findById') || name.includes('miss');
      return [
        name,
        summary.median,
        summary.p95,
        summary.median / median(read ? 'prisma.hero.findUnique' : 'prisma.hero.update'),
      ];
    });
    printTable(
      `${label} (microseconds, ${(ROUNDS - 1) * PER_ROUND} runs each, interleaved)`,
      ['path', 'median', 'p95', 'x Prisma'],
      rows,
    );
  } finally {
    await outboxCache.close();
    await cache.close();
    await prisma.$disconnect();
  }
}

async function contention(label: string, url: string, adapter: 'app' | 'stock'): Promise<string[]> {
  const prisma = createPrismaClient(url);
  const heroes = new PrismaHeroRepository(prisma);
  const ids: string[] = [];
  for (let i = 0; i < 3; i += 1)
    ids.push(
      (
        await heroes.save({
          name: `Contended ${i}`,
          language: Language.English,
          gender: Gender.Other,
          description: 'initial',
        })
      ).id,
    );
  await prisma.$disconnect();
  const reports = await runContention({
    databaseUrl: url,
    ids,
    workers: 4,
    durationMs: CONTENTION_MS,
    adapter,
    timeoutMs: CONTENTION_MS + 120_000,
  });
  const updates = reports.reduce((sum, report) => sum + report.updates, 0);
  const failed = reports.reduce((sum, report) => sum + report.failed, 0);
  const errors = new Map<string, number>();
  for (const report of reports)
    for (const [message, count] of Object.entries(report.errors))
      errors.set(message, (errors.get(message) ?? 0) + count);
  const reasons = [...errors].map(([message, count]) => `${count} "${message.slice(0, 40)}"`).join(', ');
  return [label, String(updates), String(failed), (updates / (CONTENTION_MS / 1000)).toFixed(1), reasons || '-'];
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-databases-'));
  const [redis, postgres] = await Promise.all([startRedisServer(), startPostgresServer()]);
  try {
    const admin = new Client({ connectionString: postgres.url('postgres') });
    await admin.connect();
    for (const name of ['latency', 'contention']) await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const sqlite = (name: string): string => `file:${join(dir, `${name}.db`)}`;
    for (const url of [
      sqlite('latency'),
      sqlite('latency-off'),
      sqlite('stock'),
      sqlite('app'),
      postgres.url('latency'),
      postgres.url('contention'),
    ])
      await migrateDatabase(url);

    console.log(`findById and update per database (${new Date().toISOString()}, Node ${process.version})`);
    if (!ONLY || ONLY === 'sqlite')
      await latency('SQLite, WAL, synchronous=FULL (as the app opens it)', sqlite('latency'), redis.url);
    if (!ONLY || ONLY === 'sqlite-off') await latency('SQLite, WAL, synchronous=OFF', sqlite('latency-off'), redis.url);
    if (!ONLY || ONLY === 'postgresql')
      await latency('PostgreSQL 15, loopback, fsync=off', postgres.url('latency'), redis.url);
    if (CONTENTION_MS <= 0) return;

    // As before this change: the stock adapter on a rollback-journal file.
    const stock = await new PrismaBetterSQLite3({ url: sqlite('stock') }).connect();
    await stock.executeScript('PRAGMA journal_mode = DELETE;');
    await stock.dispose();
    const rows = [
      await contention('SQLite, stock adapter (deferred BEGIN, rollback journal)', sqlite('stock'), 'stock'),
      await contention('SQLite, app adapter (WAL, busy timeout, BEGIN IMMEDIATE)', sqlite('app'), 'app'),
      await contention('PostgreSQL 15 (raw SELECT ... FOR UPDATE)', postgres.url('contention'), 'app'),
    ];
    printTable(
      `four processes reading and updating the same 3 rows for ${CONTENTION_MS / 1000} s each ` +
        `(half updateRecorded, half updateReturningBeforeImage)`,
      ['database', 'updates', 'failed', 'updates/s', 'errors'],
      rows,
    );
  } finally {
    await Promise.all([redis.stop(), postgres.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
