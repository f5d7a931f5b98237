import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidationFence } from '../../../src/near-cache/invalidation-fence';

// The fence's phase logic on Node's real event loop. A Unix socket stands for the invalidation connection: a write on
// one end is in the other end's kernel buffer when `write` returns (no network stack in between), and the other end's
// 'data' runs only in a poll phase, as the subscriber's does. What the fence promises: when it resolves, a byte that
// was in that buffer when `wait()` was called has been read.

/** Both ends of a Unix stream socket: `near` is read by this process's event loop, `far` writes to it. */
interface Pair {
  near: Socket;
  far: Socket;
}

describe('InvalidationFence', () => {
  let dir: string;
  const pairs: Pair[] = [];

  async function pair(): Promise<Pair> {
    const path = join(dir, `s${pairs.length}`);
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    const near = connect(path);
    const far = await accepted;
    await new Promise<void>((resolve) => (near.readyState === 'open' ? resolve() : near.once('connect', resolve)));
    // No new connections; the callback would wait for this one to end.
    server.close();
    const made = { near, far };
    pairs.push(made);
    return made;
  }

  /** Resolves inside a poll-phase callback ('data' of `trigger.near`), running `inPoll` there. */
  function inPollPhase<T>(trigger: Pair, inPoll: () => T): Promise<T> {
    return new Promise((resolve, reject) => {
      trigger.near.once('data', () => {
        try {
          resolve(inPoll());
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
      trigger.far.write('t');
    });
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fence-'));
  });
  afterEach(() => {
    for (const { near, far } of pairs.splice(0)) {
      near.destroy();
      far.destroy();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('a read started in a poll phase waits for the next poll: one setImmediate would not', async () => {
    const fence = new InvalidationFence();
    const trigger = await pair();
    const invalidations = await pair();
    let received = false;
    invalidations.near.on('data', () => (received = true));
    const seen = await inPollPhase(trigger, () => {
      // The invalidation is in this process's socket buffer before the read starts.
      invalidations.far.write('x');
      const atOneHop = new Promise<boolean>((resolve) => setImmediate(() => resolve(received)));
      const atFence = fence.wait().then(() => received);
      return Promise.all([atOneHop, atFence]);
    });
    // One hop reaches this iteration's check phase, before any new poll: the byte is still unread there.
    expect(seen).toEqual([false, true]);
  });

  it('many reads share one fence', async () => {
    const fence = new InvalidationFence();
    const waits = Array.from({ length: 100 }, () => fence.wait());
    expect(new Set(waits).size).toBe(1);
    await Promise.all(waits);
    expect(fence.stats()).toEqual({ fences: 1, waits: 100 });
  });

  it('a read that resumes from a fence and reads again waits one loop iteration, and is still fresh', async () => {
    const fence = new InvalidationFence();
    const invalidations = await pair();
    let received = false;
    invalidations.near.on('data', () => (received = true));
    const order: string[] = [];
    await fence.wait();
    // Now in the check phase that released the fence: a fence opened here resolves in the next check phase.
    invalidations.far.write('x');
    const next = fence.wait().then(() => order.push(`fence (read: ${received})`));
    // Queued after the fence's release: two hops would let it run first.
    setImmediate(() => order.push('next check phase'));
    await next;
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['fence (read: true)', 'next check phase']);
    expect(fence.stats().fences).toBe(2);
  });

  it('a read started in a later poll phase does not join the one-hop fence of the check phase before', async () => {
    const fence = new InvalidationFence();
    const trigger = await pair();
    const invalidations = await pair();
    let received = false;
    invalidations.near.on('data', () => (received = true));
    await fence.wait();
    // Opened in the check phase: one hop. It stops taking reads when that check phase ends.
    const oneHop = fence.wait();
    const seen = await inPollPhase(trigger, () => {
      invalidations.far.write('x');
      const late = fence.wait();
      expect(late).not.toBe(oneHop);
      return late.then(() => received);
    });
    expect(seen).toBe(true);
    await oneHop;
  });

  it('keeps every read fresh under a stream of reads started in poll phases and check phases alike', async () => {
    const fence = new InvalidationFence();
    const trigger = await pair();
    const invalidations = await pair();
    let written = 0;
    let read = 0;
    invalidations.near.on('data', (data: Buffer) => (read += data.length));
    const stale: string[] = [];
    /** Sends an invalidation, then waits for the fence: it must have been read by then. */
    const readAfterInvalidation = async (where: string): Promise<void> => {
      invalidations.far.write('x');
      written += 1;
      await fence.wait();
      if (read < written) stale.push(`${where} ${written}`);
    };
    const reader = async (rounds: number): Promise<void> => {
      for (let round = 0; round < rounds; round += 1) {
        // Started in a poll phase (the trigger's 'data'), then in the check phase that released the fence.
        await inPollPhase(trigger, () => readAfterInvalidation('poll'));
        await readAfterInvalidation('check');
      }
    };
    await reader(200);
    expect(stale).toEqual([]);
  });
});
