import { Redis as IORedis, type Redis } from 'ioredis';
import type { CacheService } from 'cachedrepo';
import type { TrackingMode } from '../../../src/near-cache/client-tracking';
import { until } from '../../support/wait';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';
import { MemoryNotes, newNote, type NoteInstance, openNoteInstance, untilNearHit, useNoteRedis } from './support';

// Only the invalidation subscriber is reset; the data connection stays up with tracking still on,
// redirected to the dead subscriber's id. In broadcast mode Redis refuses to turn BCAST tracking on
// again for the same prefix ("ERR Prefix 'cache:' overlaps"), so the data connection must turn
// tracking off and on again for the new subscriber; before that fix the near cache never served
// again until the data connection itself reconnected. Each test changes a note behind the cache
// while the subscriber is gone (so Redis's message is lost), checks that no read returns the old
// title, then that the near cache serves again within a bound and hears of changes.

/** Milliseconds within which the near cache must serve again after a subscriber-only reset. */
const RECOVERY_MS = 5000;

/** Client ids of the connections named `name` (CLIENT LIST). */
async function clientIds(raw: Redis, name: string): Promise<string[]> {
  const list = (await raw.client('LIST')) as string;
  return list
    .split('\n')
    .filter((line) => line.includes(` name=${name} `))
    .map((line) => /id=(\d+)/.exec(line)?.[1] as string);
}

/**
 * The invalidation subscriber of `cache`'s near caches (a private connection: reached through the internals, to stop
 * reading from it as a stalled connection would).
 */
function subscriberOf(cache: CacheService): Redis {
  return (cache as unknown as { near: { tracking: { subscriber: Redis } } }).near.tracking.subscriber;
}

const warnings = (app: NoteInstance, text: string): number =>
  app.logger.lines.filter((line) => line.level === 'warn' && line.message.includes(text)).length;

describe.each<TrackingMode>(['default', 'broadcast'])('near cache after a subscriber-only reset (%s mode)', (mode) => {
  const redis = useNoteRedis();
  let raw: Redis;
  let base: MemoryNotes;
  let app: NoteInstance;

  beforeAll(() => ({ raw } = redis));
  beforeEach(async () => {
    base = new MemoryNotes();
    app = await openNoteInstance(redis.server.url, base, {
      cache: { nearCache: { trackingMode: mode, heartbeatTimeoutMs: 300 } },
    });
    await until(() => app.cache.health().nearCache.tracking === 'active', 5000, 'tracking to be active');
  });
  afterEach(() => app.close());

  /** Reads until the near cache serves again: every read must return 'new'; then a change reaches it. */
  async function expectRecovered(id: string): Promise<void> {
    const started = performance.now();
    let stale = 0;
    await until(
      async () => {
        if ((await app.notes.findById(id))?.title !== 'new') stale += 1;
        return app.cache.health().nearCache.tracking === 'active';
      },
      RECOVERY_MS,
      'tracking to be re-established on the same data connection',
    );
    expect(stale).toBe(0);
    expect(await untilNearHit(app, id)).toMatchObject({ title: 'new' });
    expect(performance.now() - started).toBeLessThan(RECOVERY_MS + 5000);
    base.change(id, { title: 'newer' });
    await raw.del(`cache:note:${id}`);
    await until(async () => (await app.notes.findById(id))?.title === 'newer', 5000, 'an invalidation');
    expect(warnings(app, 'CLIENT TRACKING')).toBe(0);
  }

  it('CLIENT KILL of the subscriber: served again on the same data connection, never stale', async () => {
    const note = await base.save(newNote('old'));
    await untilNearHit(app, note.id);
    const [data] = await clientIds(raw, 'cachedrepo');
    const [subscriber] = await clientIds(raw, 'near-cache-invalidations');
    const flushes = app.cache.health().nearCache.flushes;
    await raw.client('KILL', 'ID', subscriber as string);
    base.change(note.id, { title: 'new' });
    await raw.del(`cache:note:${note.id}`);
    await until(() => app.cache.health().nearCache.flushes > flushes, 5000, 'the near cache to be flushed');
    await expectRecovered(note.id);
    // Only the subscriber was replaced: the data connection is the one tracking now.
    expect(await clientIds(raw, 'cachedrepo')).toEqual([data]);
    expect(await clientIds(raw, 'near-cache-invalidations')).not.toContain(subscriber);
  });

  it('heartbeat timeout (the subscriber stops reading): reset, served again, never stale', async () => {
    const note = await base.save(newNote('old'));
    await untilNearHit(app, note.id);
    const [data] = await clientIds(raw, 'cachedrepo');
    const flushes = app.cache.health().nearCache.flushes;
    // A stalled subscriber: its PONGs stay unread, so the 300 ms heartbeat timeout resets it.
    subscriberOf(app.cache).stream.pause();
    base.change(note.id, { title: 'new' });
    await raw.del(`cache:note:${note.id}`);
    await until(() => app.cache.health().nearCache.flushes > flushes, 5000, 'the near cache to be flushed');
    await expectRecovered(note.id);
    expect(await clientIds(raw, 'cachedrepo')).toEqual([data]);
    expect(warnings(app, 'Invalidation subscriber reset')).toBe(1);
  });
});

describe('near cache when CLIENT TRACKING keeps failing', () => {
  let server: RedisServerHandle;
  let app: NoteInstance | null = null;

  beforeAll(async () => {
    // An ACL user that may do everything but CLIENT TRACKING: every set-up attempt is refused.
    server = await startRedisServer(['--user', 'app', 'on', '>secret', '~*', '&*', '+@all', '-client|tracking']);
  });
  afterAll(async () => {
    await app?.close();
    await server?.stop();
  });

  it('retries on every heartbeat but logs one warning per 5 s, with the number suppressed', async () => {
    const url = server.url.replace('redis://', 'redis://app:secret@');
    app = await openNoteInstance(url, new MemoryNotes(), { cache: { nearCache: { heartbeatIntervalMs: 50 } } });
    const note = await app.notes.save(newNote('x'));
    await app.notes.findById(note.id);
    const root = new IORedis(server.url);
    try {
      const rejected = async (): Promise<number> => {
        const stats = await root.info('commandstats');
        return Number(/cmdstat_client\|tracking:.*rejected_calls=(\d+)/.exec(stats)?.[1] ?? 0);
      };
      await until(async () => (await rejected()) >= 20, 10_000, '20 refused CLIENT TRACKING commands');
      expect(app.cache.health().nearCache.tracking).toBe('inactive');
      expect(warnings(app, 'CLIENT TRACKING')).toBe(1);
      // The next line, 5 s after the first, counts the attempts it stood for.
      const before = await rejected();
      await until(() => warnings(app as NoteInstance, 'CLIENT TRACKING') === 2, 10_000, 'a second warning');
      const second = app.logger.lines.filter((line) => line.message.includes('CLIENT TRACKING'))[1];
      expect(second?.details).toMatchObject({ operation: 'CLIENT TRACKING' });
      // Each attempt is refused twice (OFF, then ON); at least one attempt per second of the five was suppressed.
      const suppressed = (second?.details as { suppressedSinceLastLog: number }).suppressedSinceLastLog;
      expect(suppressed).toBeGreaterThanOrEqual(5);
      expect(suppressed).toBeLessThanOrEqual((await rejected()) / 2);
      expect(before).toBeGreaterThanOrEqual(20);
    } finally {
      root.disconnect();
    }
  }, 30_000);
});
