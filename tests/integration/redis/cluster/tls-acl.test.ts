import type { Cluster } from 'ioredis';
import { startRedisCluster, type RedisClusterHandle } from 'cachedrepo/testing';
import { CachedRepository, type Cached } from 'cachedrepo';
import { CacheService } from '../../../../src/protocol/cache-service';
import { keySlot } from '../../../../src/redis/cluster/key-slot';
import { createCacheService } from '../../../../src/settings/create-cache-service';
import { loadCacheSettings } from '../../../../src/settings/settings';
import { MemoryLogger, get, put } from '../../../support/cache';
import { MemoryNotes, newNote, noteStrategy, type Note, type NoteRepository } from '../../near-cache/support';
import { writeElsewhere } from './near-cache-support';
import { connectCluster } from './support';
import { generateTlsCertificates, type TlsCertificates } from '../../../support/tls-certificates';
import { until } from '../../../support/wait';

const USER = 'cachedrepo-app';
const USER_SECRET = 'app-secret-7';
/** The default user's password: the test handle administers the nodes with it, the application never uses it. */
const ADMIN_SECRET = 'admin-secret-9';

// Item 1 of issue 10: TLS and an ACL user name work on a cluster as they do standalone. Every
// node serves TLS only (clients, replication and the cluster bus), the application connects as
// an ACL user (not `default`), and replicas replicate as that user (`masteruser`/`masterauth`,
// https://redis.io/docs/latest/operate/oss_and_stack/management/security/acl/). The cache
// service is built from settings alone, as an application would.
describe('a cache service over TLS as an ACL user on a cluster of 3 masters with a replica each', () => {
  let tls: TlsCertificates;
  let handle: RedisClusterHandle;
  let cache: CacheService;
  let logger: MemoryLogger;
  let observer: Cluster;
  let base: MemoryNotes;
  let notes: Cached<NoteRepository>;
  const noteIds: string[] = [];

  beforeAll(async () => {
    tls = generateTlsCertificates('cluster', { clientAuth: true });
    handle = await startRedisCluster({
      masters: 3,
      replicasPerMaster: 1,
      tls,
      password: ADMIN_SECRET,
      // Later arguments win: replicas authenticate as the application's user, not `default`.
      args: [
        '--user',
        USER,
        'on',
        `>${USER_SECRET}`,
        '~*',
        '&*',
        '+@all',
        '--masteruser',
        USER,
        '--masterauth',
        USER_SECRET,
      ],
    });
    logger = new MemoryLogger();
    const settings = loadCacheSettings({
      REDIS_CLUSTER_NODES: handle.seeds.map((seed) => `rediss://${seed.host}:${seed.port}`).join(','),
      REDIS_TLS_CA_FILE: tls.caFile,
      REDIS_USERNAME: USER,
      REDIS_PASSWORD: USER_SECRET,
      REDIS_COMMAND_TIMEOUT: '2000',
      REDIS_BREAKER_PROBE_INTERVAL: '100',
      CACHE_NEAR_CACHE_ENABLED: 'true',
    });
    cache = createCacheService(settings, { logger }) as CacheService;
    base = new MemoryNotes();
    // A repository whose strategy asks for a near cache: tracking starts with the first such cache.
    notes = CachedRepository.wrap<Note, NoteRepository>(base, noteStrategy({ nearCache: { maxEntries: 100 } }), cache);
    for (let index = 0; index < 12; index += 1)
      noteIds.push((await base.save({ ...newNote('v0'), id: `tls-${index}` })).id);
    expect(await cache.waitUntilReady(20_000)).toBe(true);
    // A second client with the same settings, to read the slot map.
    observer = await connectCluster(handle, {
      nodes: settings.redis.clusterNodes?.nodes ?? [],
      tls: true,
      tlsCaFile: tls.caFile,
      username: USER,
      password: USER_SECRET,
    });
  }, 60_000);
  afterAll(async () => {
    observer?.disconnect();
    await cache?.close();
    await handle?.stop();
    tls?.remove();
  });

  /**
   * Every note is served by the near cache, changed by another process (database + UNLINK through `observer`), then
   * read fresh.
   */
  async function nearFreshAfterAnotherWrite(title: string): Promise<void> {
    for (const id of noteIds) await untilNear(id);
    for (const id of noteIds) await writeElsewhere(observer, base, id, title);
    for (const id of noteIds)
      await until(async () => (await notes.findById(id))?.title === title, 20_000, `note ${id} to read '${title}'`);
    for (const id of noteIds) await untilNear(id);
  }

  async function untilNear(id: string): Promise<void> {
    await until(
      async () => {
        const before = nearHits();
        await notes.findById(id);
        return nearHits() > before;
      },
      20_000,
      `note ${id} to be served by the near cache`,
    );
  }

  const nearHits = (): number =>
    cache.health().nearCache.caches.find((entry) => entry.entityType === 'note')?.hits ?? 0;

  const keys = Array.from({ length: 60 }, (_, index) => `hero:${index}`);
  const ownerOf = (key: string): string | undefined => observer.slots[keySlot(cache.fullKey(key))]?.[0];

  it(
    'connects as the ACL user over TLS on every master, near-cache connections included, and ' +
      'replicas sync as that user',
    async () => {
      await until(() => cache.health().nearCache.tracking === 'active', 20_000, 'near-cache tracking on every master');
      for (const shard of [0, 1, 2]) {
        const master = await handle.masterOf(shard);
        const clients = String(await master.command('CLIENT', 'LIST'));
        const ours = clients.split('\n').filter((line) => / name=(cachedrepo|near-cache-\S+) /.test(line));
        expect(ours.filter((line) => line.includes(' name=near-cache-invalidations ')).length).toBeGreaterThan(0);
        expect(ours.filter((line) => line.includes(' name=near-cache-tracking ')).length).toBeGreaterThan(0);
        expect(ours.every((line) => line.includes(` user=${USER} `))).toBe(true);
        // The replica's link is that user's too (a replica connection has the `S` flag).
        const replicaLinks = clients.split('\n').filter((line) => / flags=S /.test(line));
        expect(replicaLinks.length).toBe(1);
        expect(replicaLinks[0]).toContain(` user=${USER} `);
      }
      await nearFreshAfterAnotherWrite('v1');
    },
  );

  it('caches and invalidates on every master', async () => {
    expect(new Set(keys.map((key) => ownerOf(key))).size).toBe(3);
    for (const key of keys) expect(await put(cache, key, 'v1', 60)).toBe(true);
    expect((await cache.readMany(keys)).every((read) => read.kind === 'value' && read.raw === 'v1')).toBe(true);
    expect(await cache.invalidate(keys)).toBe(true);
    expect((await cache.readMany(keys)).every((read) => read.kind === 'empty')).toBe(true);
  });

  it(
    'recovers from a master crash: the promoted replica is validated over TLS as the user, its ' +
      'keys cleared, and the cache used again',
    async () => {
      for (const key of keys) expect(await put(cache, key, 'before', 60)).toBe(true);
      const master = await handle.masterOf(2);
      const onShard = keys.filter((key) => ownerOf(key) === `${master.host}:${master.port}`);
      expect(onShard.length).toBeGreaterThan(5);
      const clears = cache.health().datasetClears;

      await handle.failover(2, 'crash');
      // The promoted replica holds 'before' (replicated): only its validation clears it. Reads
      // that fail while the client finds the new master also come back empty, and the breaker
      // opens only after a few failures, so the clear itself is waited for.
      let state = '';
      await until(
        async () => {
          const reads = await cache.readMany(onShard);
          const health = cache.health();
          state =
            `breaker ${health.breaker}, clears ${health.datasetClears} (before ${clears}), reads ` +
            `${[...new Set(reads.map((read) => read.kind))].join('/')}`;
          return (
            health.breaker === 'closed' && health.datasetClears > clears && reads.every((read) => read.kind === 'empty')
          );
        },
        20_000,
        'the cache to validate and clear the promoted master',
        () =>
          `${state}; the cache logged:\n${logger.lines
            .slice(-30)
            .map((line) => `${line.level} ${line.message} ${JSON.stringify(line.details)}`)
            .join('\n')}`,
      );
      const others = keys.filter((key) => !onShard.includes(key));
      expect((await cache.readMany(others)).every((read) => read.kind === 'value' && read.raw === 'before')).toBe(true);
      // Writes and reads go on through the new master.
      for (const key of onShard) expect(await put(cache, key, 'after', 60)).toBe(true);
      for (const key of onShard) expect(await get(cache, key)).toBe('after');
      await until(
        () => cache.health().nearCache.tracking === 'active',
        20_000,
        'near-cache tracking on every master after the failover',
      );
      await nearFreshAfterAnotherWrite('after the failover');
    },
  );
});
