import { ReadBatcher, SharedRead } from '../../../src/redis/read-batcher';
import { UNAVAILABLE, type RedisGateway } from '../../../src/redis/redis-gateway';
import type { StoreConnection } from '../../../src/redis/store';

// The batcher only needs the gateway's `run` (which never throws: a failure is counted in the
// counter it is given and answered with UNAVAILABLE) and a store connection's get, mget and optInNextRead.

/** A standalone client over a Map, logging every command; `hold` keeps replies back until `releaseAll`. */
function fakeRedis(values: Record<string, string>) {
  const log: string[] = [];
  const held: (() => void)[] = [];
  let holding = false;
  const reply = <R>(value: R): Promise<R> =>
    holding ? new Promise((resolve) => held.push(() => resolve(value))) : Promise.resolve(value);
  const redis = {
    get: async (key: string) => {
      log.push(`GET ${key}`);
      return reply(values[key] ?? null);
    },
    mget: async (keys: readonly string[]) => {
      log.push(`MGET ${keys.join(' ')}`);
      return reply(keys.map((key) => values[key] ?? null));
    },
    optInNextRead: () => {
      log.push('CLIENT CACHING YES');
    },
    // SET key token EX ttl NX GET: the value, or the token placed in an empty key.
    getOrLease: async (key: string, token: string, ttlSeconds: number) => {
      log.push(`SET ${key} ${token} EX ${ttlSeconds} NX GET`);
      const value = values[key] ?? null;
      if (value === null) values[key] = token;
      return reply({ value, placed: value === null });
    },
  };
  return {
    redis: redis as unknown as StoreConnection,
    log,
    hold: () => (holding = true),
    releaseAll: () => held.splice(0).forEach((release) => release()),
  };
}

function fakeGateway(redis: StoreConnection, fails = () => false) {
  const gateway = {
    run: async <R>(
      _operation: string,
      failures: { errors: number } | undefined,
      command: (client: StoreConnection) => Promise<R>,
    ): Promise<R | typeof UNAVAILABLE> => {
      if (fails()) {
        if (failures) failures.errors += 1;
        return UNAVAILABLE;
      }
      return command(redis);
    },
  };
  return gateway as unknown as RedisGateway;
}

const nextTick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

describe('ReadBatcher', () => {
  it('sends a read alone as one GET', async () => {
    const { redis, log } = fakeRedis({ a: 'A' });
    const batcher = new ReadBatcher(fakeGateway(redis));
    const read = await batcher.read('a');
    expect(read).toBeInstanceOf(SharedRead);
    expect(read.reply).toBe('A');
    expect(read.readers).toBe(1);
    expect(log).toEqual(['GET a']);
    expect(batcher.sent).toBe(1);
  });

  it('groups the reads of one tick into one MGET, in the order asked, each with its own reply', async () => {
    const { redis, log } = fakeRedis({ a: 'A', c: 'C' });
    const batcher = new ReadBatcher(fakeGateway(redis));
    const reads = await Promise.all(['a', 'b', 'c'].map((key) => batcher.read(key)));
    expect(reads.map((read) => read.reply)).toEqual(['A', null, 'C']);
    expect(log).toEqual(['MGET a b c']);
    expect(batcher.sent).toBe(1);
  });

  it('groups reads of concurrent callers that each awaited something first (one microtask chain)', async () => {
    const { redis, log } = fakeRedis({ a: 'A', b: 'B' });
    const batcher = new ReadBatcher(fakeGateway(redis));
    const reads = await Promise.all(
      ['a', 'b'].map(async (key) => {
        await Promise.resolve();
        return batcher.read(key);
      }),
    );
    expect(reads.map((read) => read.reply)).toEqual(['A', 'B']);
    expect(log).toEqual(['MGET a b']);
  });

  it('shares one reply among the reads of one key in a batch, and asks Redis for the key once', async () => {
    const { redis, log } = fakeRedis({ hot: 'H', b: 'B' });
    const batcher = new ReadBatcher(fakeGateway(redis));
    const hot = await Promise.all(Array.from({ length: 64 }, () => batcher.read('hot')));
    expect(new Set(hot).size).toBe(1);
    expect(hot[0]?.readers).toBe(64);
    expect(log).toEqual(['GET hot']);

    const [first, other, again] = await Promise.all([batcher.read('b'), batcher.read('hot'), batcher.read('b')]);
    expect(first).toBe(again);
    expect(first?.readers).toBe(2);
    expect(other?.reply).toBe('H');
    expect(log).toEqual(['GET hot', 'MGET b hot']);
  });

  it('sends reads of different ticks separately', async () => {
    const { redis, log } = fakeRedis({ a: 'A' });
    const batcher = new ReadBatcher(fakeGateway(redis));
    const first = await batcher.read('a');
    const second = await batcher.read('a');
    expect(first).not.toBe(second);
    expect(log).toEqual(['GET a', 'GET a']);
    expect(batcher.sent).toBe(2);
  });

  it('never joins a read to a command already sent: a read that begins later gets a GET of its own', async () => {
    const { redis, log, hold, releaseAll } = fakeRedis({ a: 'A' });
    const batcher = new ReadBatcher(fakeGateway(redis));
    hold();
    const early = batcher.read('a');
    await nextTick();
    expect(log).toEqual(['GET a']);
    // The GET is in flight: its reply may predate a write that completed before this read began.
    const late = batcher.read('a');
    await nextTick();
    expect(log).toEqual(['GET a', 'GET a']);
    releaseAll();
    const [earlyRead, lateRead] = await Promise.all([early, late]);
    expect(earlyRead).not.toBe(lateRead);
    expect(earlyRead.readers).toBe(1);
    expect(lateRead.readers).toBe(1);
  });

  it('answers every read of a failed command with the failure, counting each entity type once', async () => {
    const { redis } = fakeRedis({ a: 'A' });
    const batcher = new ReadBatcher(fakeGateway(redis, () => true));
    const heroes = { errors: 0 };
    const decks = { errors: 0 };

    const single = await Promise.all([batcher.read('a', heroes), batcher.read('a', heroes), batcher.read('a', decks)]);
    expect(single.map((read) => read.reply)).toEqual([UNAVAILABLE, UNAVAILABLE, UNAVAILABLE]);
    expect(heroes.errors).toBe(1);
    expect(decks.errors).toBe(1);

    const many = await Promise.all([batcher.read('a', heroes), batcher.read('b', heroes), batcher.read('c', decks)]);
    expect(many.map((read) => read.reply)).toEqual([UNAVAILABLE, UNAVAILABLE, UNAVAILABLE]);
    expect(heroes.errors).toBe(2);
    expect(decks.errors).toBe(2);
  });

  it('counts no error when the command succeeds', async () => {
    const { redis } = fakeRedis({});
    const batcher = new ReadBatcher(fakeGateway(redis));
    const stats = { errors: 0 };
    await Promise.all([batcher.read('a', stats), batcher.read('b', stats)]);
    await batcher.read('c', stats);
    expect(stats.errors).toBe(0);
  });

  it('sends CLIENT CACHING YES just before the command only if opted in and a reader fills a near cache', async () => {
    const { redis, log } = fakeRedis({});
    let optIn = false;
    const batcher = new ReadBatcher(fakeGateway(redis), () => optIn);
    await batcher.read('a', undefined, true);
    await Promise.all([batcher.read('a'), batcher.read('b')]);
    optIn = true;
    await batcher.read('a');
    expect(log).toEqual(['GET a', 'MGET a b', 'GET a']);

    log.length = 0;
    await Promise.all([batcher.read('a'), batcher.read('a', undefined, true)]);
    await Promise.all([batcher.read('a'), batcher.read('b', undefined, true)]);
    expect(log).toEqual(['CLIENT CACHING YES', 'GET a', 'CLIENT CACHING YES', 'MGET a b']);
  });

  describe('a read that offers a lease (SET NX GET)', () => {
    it('sent alone, places the lease in an empty key and keeps its token; an entry places nothing', async () => {
      const { redis, log } = fakeRedis({ a: 'A' });
      const batcher = new ReadBatcher(fakeGateway(redis), () => false, 7);
      const empty = await batcher.read('b', undefined, false, 'token-b');
      expect({ reply: empty.reply, lease: empty.lease }).toEqual({ reply: null, lease: 'token-b' });
      const hit = await batcher.read('a', undefined, false, 'token-a');
      expect({ reply: hit.reply, lease: hit.lease }).toEqual({ reply: 'A', lease: null });
      expect(log).toEqual(['SET b token-b EX 7 NX GET', 'SET a token-a EX 7 NX GET']);
    });

    it('joined by a read that fills a near cache, is a GET (tracking follows reads) placing nothing', async () => {
      const { redis, log } = fakeRedis({});
      const batcher = new ReadBatcher(fakeGateway(redis));
      const [first, second] = await Promise.all([
        batcher.read('a', undefined, false, 'token-a'),
        batcher.read('a', undefined, true),
      ]);
      expect(first).toBe(second);
      expect(first?.lease).toBeNull();
      expect(log).toEqual(['GET a']);
    });

    it('in a batch with other keys, is a SET NX GET of its own; the other keys share their MGET', async () => {
      const { redis, log } = fakeRedis({ b: 'B', c: 'C' });
      const batcher = new ReadBatcher(fakeGateway(redis), () => false, 7);
      const reads = await Promise.all([
        batcher.read('b'),
        batcher.read('a', undefined, false, 'token-a'),
        batcher.read('c'),
      ]);
      expect(reads.map((read) => [read.reply, read.lease])).toEqual([
        ['B', null],
        [null, 'token-a'],
        ['C', null],
      ]);
      expect(log).toEqual(['SET a token-a EX 7 NX GET', 'MGET b c']);
      expect(batcher.sent).toBe(2);
    });

    it('in a batch with one other key, leaves that key a GET', async () => {
      const { redis, log } = fakeRedis({ b: 'B' });
      const batcher = new ReadBatcher(fakeGateway(redis), () => false, 7);
      const reads = await Promise.all([batcher.read('a', undefined, false, 'token-a'), batcher.read('b')]);
      expect(reads.map((read) => [read.reply, read.lease])).toEqual([
        [null, 'token-a'],
        ['B', null],
      ]);
      expect(log).toEqual(['SET a token-a EX 7 NX GET', 'GET b']);
    });

    it('in a batch of more than 32 reads offering a lease, rides in the MGET and places nothing', async () => {
      const { redis, log } = fakeRedis({ k1: 'B' });
      const batcher = new ReadBatcher(fakeGateway(redis), () => false, 7);
      const keys = Array.from({ length: 33 }, (_, i) => `k${i}`);
      const reads = await Promise.all(keys.map((key) => batcher.read(key, undefined, false, `token-${key}`)));
      expect(reads.map((read) => read.lease)).toEqual(keys.map(() => null));
      expect(reads[1]?.reply).toBe('B');
      expect(log).toEqual([`MGET ${keys.join(' ')}`]);
      // 32 are still each a SET NX GET.
      log.length = 0;
      await Promise.all(keys.slice(1).map((key) => batcher.read(key, undefined, false, `again-${key}`)));
      expect(log).toHaveLength(32);
      expect(log.every((command) => command.startsWith('SET '))).toBe(true);
    });

    it('in a batch where every read offers a lease, sends no MGET', async () => {
      const { redis, log } = fakeRedis({ b: 'B' });
      const batcher = new ReadBatcher(fakeGateway(redis), () => false, 7);
      await Promise.all([batcher.read('a', undefined, false, 'token-a'), batcher.read('b', undefined, false, 'tb')]);
      expect(log).toEqual(['SET a token-a EX 7 NX GET', 'SET b tb EX 7 NX GET']);
      expect(batcher.sent).toBe(2);
    });
  });
});
