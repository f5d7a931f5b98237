// The Prisma part of the packed library against one Prisma version: scripts/check-prisma-range.sh installs the tarball
// with prisma@V, @prisma/client@V and the SQLite adapter of V into an empty project, generates a client for the
// schema it writes there (Counter: Int id, Tag: String id, and the shipped cachedrepo/outbox.prisma), and runs this
// file under node:test through a small entry that passes that client to runPrismaRangeTests. Type-checked here too
// (the client's shape is structural); compiled with tsc --strict there, against the generated client's own types.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { CacheService, CachedRepository, createRedisClient, defineCacheStrategy, defineKeySchema } from 'cachedrepo';
import { intId } from 'cachedrepo/ids';
import {
  PrismaOutbox,
  PrismaRepository,
  type ModelDelegate,
  type OutboxModel,
  type PrismaClientLike,
  type RawSqlClient,
  type RowMapper,
} from 'cachedrepo/prisma';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';

export interface Counter {
  readonly id: number;
  label: string;
  value: number;
}
export interface Tag {
  readonly id: string;
  name: string;
}

/** What the test needs of a transaction client: the models of the schema the script writes, and raw SQL. */
export type RangeTx = OutboxModel &
  RawSqlClient & { counter: ModelDelegate<Counter, number>; tag: ModelDelegate<Tag, string> };
/** A generated client with `log: [{ emit: 'event', level: 'query' }]`: the test watches which SQL it runs. */
export type RangeClient<Tx extends RangeTx> = Tx &
  PrismaClientLike<Tx> & {
    $on(event: 'query', listener: (event: { query: string }) => void): unknown;
    $disconnect(): Promise<void>;
  };

/**
 * The tables of the schema, as `prisma migrate diff --from-empty --script` of Prisma 6.19 prints them for SQLite:
 * Prisma 7's migration engine is a native binary that cannot be downloaded on a machine without internet access,
 * and the migration engine is not what the library depends on.
 */
const TABLES = [
  `CREATE TABLE "Counter" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "label" TEXT NOT NULL,
    "value" INTEGER NOT NULL)`,
  `CREATE TABLE "Tag" ("id" TEXT NOT NULL PRIMARY KEY, "name" TEXT NOT NULL)`,
  `CREATE TABLE "CacheOutbox" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "keys" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP)`,
];

const counterKeys = defineKeySchema({ byId: 'counter:{id}', byLabel: 'counter:label:{label}' });
const tagKeys = defineKeySchema({ byId: 'tag:{id}' });

interface CounterFinders {
  findByLabel(label: string): Promise<Counter[]>;
}

/** The rows are the domain objects: the mapper copies them. */
function copyMapper<T extends Counter | Tag>(): RowMapper<T, T> {
  return { toDomain: (row) => ({ ...row }), toCreateData: (input) => ({ ...input }), toUpdateData: (c) => ({ ...c }) };
}

/** Polls `check` every 20 ms until it is true; throws naming `what` after `timeoutMs`. */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Registers the tests (node:test runs them in order): a cached PrismaRepository with the outbox, over `client`, on a
 * redis-server of its own.
 */
export function runPrismaRangeTests<Tx extends RangeTx>(client: RangeClient<Tx>): void {
  class CounterRepository extends PrismaRepository<Counter, Counter, Tx> implements CounterFinders {
    constructor() {
      super('Counter', client, (db) => db.counter, copyMapper<Counter>(), [{ id: 'asc' }], { id: intId() });
    }
    findByLabel(label: string): Promise<Counter[]> {
      return this.findManyMapped({ label }, [{ id: 'asc' }]);
    }
  }
  const counterStrategy = defineCacheStrategy<Counter, CounterRepository>({
    entityType: 'counter',
    namespaces: [counterKeys.$namespace],
    ttlSeconds: 60,
    id: intId(),
    entityKey: (id) => counterKeys.byId({ id }),
    queries: { findByLabel: { key: (label) => counterKeys.byLabel({ label }) } },
    keysOf: (counter) => [counterKeys.byId({ id: counter.id }), counterKeys.byLabel({ label: counter.label })],
  });
  const tagStrategy = defineCacheStrategy<Tag, PrismaRepository<Tag, Tag, Tx>>({
    entityType: 'tag',
    namespaces: [tagKeys.$namespace],
    ttlSeconds: 60,
    entityKey: (id) => tagKeys.byId({ id }),
    keysOf: (tag) => [tagKeys.byId({ id: tag.id })],
  });

  const queries: string[] = [];
  client.$on('query', (event) => queries.push(event.query));
  const outbox = new PrismaOutbox(client);
  let server: RedisServerHandle | undefined;
  let cache: CacheService | undefined;
  let plainCounters: CounterRepository;
  let counters: ReturnType<typeof wrapCounters>;
  let tags: ReturnType<typeof wrapTags>;
  const wrapCounters = (service: CacheService) =>
    CachedRepository.wrap((plainCounters = new CounterRepository()), counterStrategy, service);
  const wrapTags = (service: CacheService) =>
    CachedRepository.wrap(
      new PrismaRepository<Tag, Tag, Tx>('Tag', client, (db) => db.tag, copyMapper<Tag>(), [{ id: 'asc' }]),
      tagStrategy,
      service,
    );
  /** Waits until the deliverer has removed every outbox row (a miss stored before its UNLINK lands is removed). */
  const delivered = () => until(async () => (await outbox.size()) === 0, 'the outbox to be delivered');

  before(async () => {
    for (const sql of TABLES) await client.$executeRawUnsafe(sql);
    server = await startRedisServer();
    cache = new CacheService(createRedisClient({ url: server.url }), {
      keyPrefix: 'range',
      outbox,
      outboxDelivery: { pollIntervalMs: 20 },
    });
    assert.ok(await cache.waitUntilReady(5000), 'Redis was not ready in 5 s');
    counters = wrapCounters(cache);
    tags = wrapTags(cache);
  });
  after(async () => {
    await cache?.close();
    await client.$disconnect();
    await server?.stop();
  });

  let id = 0;
  void it('Int id: a miss, then a hit from Redis', async () => {
    const saved = await counters.save({ label: 'a', value: 1 });
    id = saved.id;
    await delivered();
    assert.deepEqual(await counters.findById(id), saved);
    assert.deepEqual(await counters.findByLabel('a'), [saved]);
    assert.equal(counters.getCacheStats().misses, 2);
    // The store after a miss lands after the read returns: read until one is served from Redis.
    await until(async () => {
      assert.deepEqual(await counters.findById(id), saved);
      return counters.getCacheStats().hits > 0;
    }, 'a hit of counter:{id}');
    await until(async () => {
      assert.deepEqual(await counters.findByLabel('a'), [saved]);
      return counters.getCacheStats().hits > 1;
    }, 'a hit of counter:label:a');
  });

  void it('Int id: an update is read back at once, by id and in the old and new lists (no stale read)', async () => {
    const { before: old, after: changed } = await plainCounters.updateReturningBeforeImage(id, { value: 2 });
    assert.deepEqual(
      [old, changed],
      [
        { id, label: 'a', value: 1 },
        { id, label: 'a', value: 2 },
      ],
    );
    await counters.invalidateCache(id); // that write bypassed the cache on purpose
    const updated = await counters.update(id, { label: 'b', value: 3 });
    assert.deepEqual(updated, { id, label: 'b', value: 3 });
    assert.deepEqual(await counters.findById(id), updated);
    assert.deepEqual(await counters.findByLabel('a'), [], 'the old list (needs the state before the write)');
    assert.deepEqual(await counters.findByLabel('b'), [updated]);
  });

  void it('the outbox: the writes recorded rows in their transactions, and the deliverer removed them', async () => {
    await delivered();
    assert.ok((cache?.health().outbox.delivered ?? 0) >= 2, 'outbox rows delivered: save and update');
  });

  void it('Int id: a delete is read back at once', async () => {
    assert.deepEqual(await counters.delete(id), { id, label: 'b', value: 3 });
    assert.equal(await counters.findById(id), null);
    assert.deepEqual(await counters.findByLabel('b'), []);
    await delivered();
    assert.equal(await counters.findById(id), null);
  });

  void it('String id: save, miss, update, delete', async () => {
    const tag = await tags.save({ id: 'redis', name: 'Redis' });
    assert.deepEqual(await tags.findById('redis'), tag);
    assert.deepEqual(await tags.update('redis', { name: 'Redis 7' }), { id: 'redis', name: 'Redis 7' });
    assert.deepEqual(await tags.findById('redis'), { id: 'redis', name: 'Redis 7' });
    assert.deepEqual(await tags.delete('redis'), { id: 'redis', name: 'Redis 7' });
    assert.equal(await tags.findById('redis'), null);
    assert.equal(await tags.delete('redis'), null);
  });

  void it('the raw SQL paths were taken (the client told its database, the checks passed)', () => {
    // Prisma's own queries on SQLite name `main`.`Counter`; these are the library's statements (src/prisma/raw-*.ts).
    const ran = (start: string, part = '') => queries.some((query) => query.startsWith(start) && query.includes(part));
    assert.ok(ran('SELECT "id", "label", "value" FROM "Counter" WHERE "id" = ?'), 'raw findById and before-state');
    assert.ok(ran('UPDATE "Counter" SET', 'AND "label" IS ?'), 'the compare-and-set update');
    assert.ok(ran('INSERT INTO "CacheOutbox"'), 'the raw outbox INSERT');
    assert.ok(ran('SELECT "id", "keys" FROM "CacheOutbox"'), "the deliverer's raw read");
  });
}
