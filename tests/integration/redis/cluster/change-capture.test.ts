import {
  capturedColumns,
  ChangeCapture,
  installSqliteCapture,
  SqliteChangeSource,
  DEFAULT_CHANGE_TABLE,
} from 'cachedrepo/capture';
import { CacheService } from '../../../../src/protocol/cache-service';
import { keySlot } from '../../../../src/redis/cluster/key-slot';
import { MemoryLogger, put } from '../../../support/cache';
import { sleep, until } from '../../../support/wait';
import { captureStrategies, ITEM_TABLES_SQL } from '../../capture/support/items';
import { newSqliteFile, openSqlite, sqliteClient, type SqliteDatabase } from '../../capture/support/sqlite-file';
import { connectCluster, useRedisCluster } from './support';

// Change capture (REDIS_CACHE.md section 16) on a Redis Cluster of 3 masters: a write committed with plain SQL on a
// connection of its own (SQLite triggers, the simplest source) invalidates its keys wherever their slots live, and a
// change the consumer cannot read clears the prefix on every master. The consumer's lease is one key (one slot).
describe('change capture on a Redis Cluster of 3 masters', () => {
  const fixture = useRedisCluster({ masters: 3 });
  let tests = 0;
  let cache: CacheService;
  let capture: ChangeCapture;
  let file: string;
  const opened: SqliteDatabase[] = [];
  const stops: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    for (const db of opened.splice(0)) db.close();
  });

  /** A cache service on the cluster (its own client) and a consumer of `file`'s change table through it. */
  const consumer = async (): Promise<{ cache: CacheService; capture: ChangeCapture }> => {
    const service = new CacheService(await connectCluster(fixture.handle), {
      keyPrefix: `capture${tests}`,
      logger: new MemoryLogger(),
      circuitBreaker: { probeIntervalMs: 100 },
    });
    stops.push(() => service.close());
    expect(await service.waitUntilReady(10_000)).toBe(true);
    const reader = openSqlite(file);
    opened.push(reader);
    const reading = new ChangeCapture(service, new SqliteChangeSource(sqliteClient(reader)), {
      strategies: captureStrategies,
      pollIntervalMs: 20,
      leaseMs: 500,
      logger: new MemoryLogger(),
    });
    stops.push(() => reading.stop());
    await reading.start();
    return { cache: service, capture: reading };
  };

  /** A database with the item tables and capture installed, a consumer reading it, and the writer's connection. */
  const start = async (): Promise<SqliteDatabase> => {
    tests += 1;
    file = newSqliteFile();
    const writer = openSqlite(file);
    opened.push(writer);
    for (const statement of ITEM_TABLES_SQL) writer.exec(statement);
    await installSqliteCapture(sqliteClient(writer), capturedColumns(captureStrategies));
    ({ cache, capture } = await consumer());
    await until(() => capture.health().reading, 10_000, 'the consumer lease');
    return writer;
  };

  /** The masters (`host:port`) owning `keys`' slots. */
  const mastersOf = (keys: readonly string[]): Set<string> =>
    new Set(keys.map((key) => fixture.cluster.slots[keySlot(cache.fullKey(key))]?.[0] ?? 'none'));

  const seed = async (keys: readonly string[]): Promise<void> => {
    for (const key of keys) expect(await put(cache, key, 'cached', 600)).toBe(true);
  };

  /** The keys of `keys` that hold an entry. */
  const present = async (keys: readonly string[]): Promise<string[]> => {
    const reads = await cache.readMany(keys);
    return keys.filter((_, index) => reads[index]?.kind === 'value');
  };

  const changesLeft = async (): Promise<number> => (await capture.lag()).changes ?? -1;

  it('a raw UPDATE and a cascaded DELETE invalidate their keys on every master holding them, only them', async () => {
    const writer = await start();
    const ids = Array.from({ length: 12 }, (_, index) => `i${index}`);
    writer.exec(`INSERT INTO item VALUES ${ids.map((id, index) => `('${id}', 'l${index % 4}', 'n')`).join(', ')}`);
    writer.exec(`INSERT INTO part VALUES ('p1', 'i0'), ('p2', 'i0'), ('p3', 'i1')`);
    await until(async () => (await changesLeft()) === 0, 10_000, 'the inserts applied');

    const updated = [
      ...ids.map((id) => `item:${id}`),
      ...['l0', 'l1', 'l2', 'l3', 'moved'].map((list) => `item:list:${list}`),
      'item:all',
    ];
    const untouched = ['item:list:none', 'item:other', 'part:p3', 'part:item:i1'];
    expect(mastersOf(updated).size).toBe(3);
    await seed([...updated, ...untouched]);
    writer.exec(`UPDATE item SET list = 'moved'`);
    await until(async () => (await present(updated)).length === 0, 10_000, 'the updated rows invalidated');
    expect(await present(untouched)).toEqual(untouched);

    const cascaded = ['item:i0', 'item:list:moved', 'item:all', 'part:p1', 'part:p2', 'part:item:i0'];
    expect(mastersOf(cascaded).size).toBeGreaterThan(1);
    await seed(cascaded);
    writer.exec(`DELETE FROM item WHERE id = 'i0'`); // parts p1 and p2 go with it (ON DELETE CASCADE)
    await until(async () => (await present(cascaded)).length === 0, 10_000, 'the item and its parts invalidated');
    expect(await present(untouched)).toEqual(untouched);
    await until(async () => (await changesLeft()) === 0, 10_000, 'the change table emptied');
    expect(capture.health()).toMatchObject({ changesApplied: 12 + 3 + 12 + 3, prefixClears: 0, errors: 0 });
    expect(cache.health()).toMatchObject({ breaker: 'closed', pendingInvalidations: 0 });
  });

  it('a change it cannot read clears the prefix on every master, then the cache is trusted again', async () => {
    const writer = await start();
    const keys = Array.from({ length: 30 }, (_, index) => `item:k${index}`);
    expect(mastersOf(keys).size).toBe(3);
    await seed(keys);
    const otherPrefix = 'not-capture:item:k1';
    await fixture.cluster.set(otherPrefix, 'kept');
    writer.exec(
      `INSERT INTO "${DEFAULT_CHANGE_TABLE}" ("tableName", "oldRow", "newRow", "changedAt") ` +
        `VALUES ('item', 'not a row image', NULL, ${Date.now()})`,
    );
    await until(() => capture.health().prefixClears === 1, 20_000, 'the prefix cleared');
    expect(await present(keys)).toEqual([]);
    expect(await fixture.cluster.get(otherPrefix)).toBe('kept');
    await until(async () => (await changesLeft()) === 0, 10_000, 'the unreadable change confirmed');
    await until(() => cache.trusted, 10_000, 'the cache trusted again');
    await seed(['item:k1']);
    expect(await present(['item:k1'])).toEqual(['item:k1']);
  });

  it('one consumer at a time; another takes over when it stops and applies what was committed meanwhile', async () => {
    const writer = await start();
    const ids = Array.from({ length: 12 }, (_, index) => `i${index}`);
    writer.exec(`INSERT INTO item VALUES ${ids.map((id) => `('${id}', 'l', 'n')`).join(', ')}`);
    await until(async () => (await changesLeft()) === 0, 10_000, 'the inserts applied');
    const second = await consumer();
    // Several of the second one's attempts at the lease (one per quarter lease, 125 ms) while the first renews it.
    await sleep(600);
    expect(second.capture.health()).toMatchObject({ consumer: false, reading: false, changesApplied: 0 });
    expect(capture.health()).toMatchObject({ consumer: true, changesApplied: 12 });

    await capture.stop();
    // Committed once the first consumer stopped: the second applies it, whether it took the lease before or after.
    const keys = [...ids.map((id) => `item:${id}`), 'item:list:l', 'item:list:m', 'item:all'];
    expect(mastersOf(keys).size).toBe(3);
    await seed(keys);
    writer.exec(`UPDATE item SET list = 'm'`);
    await until(() => second.capture.health().consumer, 10_000, 'the second consumer holding the lease');
    await until(async () => (await present(keys)).length === 0, 10_000, 'the updates invalidated by the second');
    // The keys are gone once Redis ran the UNLINK; the consumer counts the changes when its reply has come back.
    await until(() => second.capture.health().changesApplied === 12, 10_000, 'the changes counted');
    expect(second.capture.health()).toMatchObject({ consumer: true, changesApplied: 12, errors: 0 });
    expect(second.cache.health()).toMatchObject({ breaker: 'closed', pendingInvalidations: 0 });
  });
});
