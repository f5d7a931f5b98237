import type { Redis } from 'ioredis';
import type { ChangeSource } from 'cachedrepo/capture';
import { startTcpProxy } from 'cachedrepo/testing';
import { startCaptureChild } from './capture-child';
import { present, report, seed, startCaptureProcess, waitFor, type CaptureProcess } from './harness';

/** One database as the takeover scenario uses it. */
export interface TakeoverDatabase {
  /** The capture-worker.ts environment for this database (CAPTURE_SOURCE, CAPTURE_DATABASE, ...). */
  env: Record<string, string>;
  /** Updates row `i{k}` with one statement on the writer's own connection. */
  update(k: number): Promise<void>;
  /** A source for the consumer that takes over, in this process. */
  source(): ChangeSource;
}

/** What {@link runTakeover} saw. */
export interface TakeoverOutcome {
  writes: number;
  /** Entries of writes made after the kill still present when the new consumer started. */
  waitingAtTakeover: number;
  /** Milliseconds from the new consumer's start to the last stale entry gone. */
  drainMs: number;
  /** Entries of any write still present at the end (a skipped change). */
  skipped: string[];
  consumer: CaptureProcess;
}

/**
 * Writes rows `i0`..`i{writes-1}` one statement each, each after an entry of its key was cached (as a read before the
 * write would have). A consumer in a child process applies them until, a third of the way in, its link to Redis
 * hangs (so it holds changes it received and could not apply) and it is killed with SIGKILL; writes go on with no
 * consumer; a new consumer starts two thirds of the way in while writes go on; then every key written must be gone: a
 * change received and not applied, or made while no consumer ran, is applied by the new consumer.
 */
export async function runTakeover(
  db: TakeoverDatabase,
  redis: Redis,
  redisUrl: string,
  prefix: string,
  writes = 1200,
): Promise<TakeoverOutcome> {
  const proxy = await startTcpProxy(Number(new URL(redisUrl).port));
  const child = await startCaptureChild({ ...db.env, REDIS_URL: proxy.url, CAPTURE_PREFIX: prefix });
  const keys = Array.from({ length: writes }, (_, k) => `item:i${k}`);
  let consumer: CaptureProcess | null = null;
  let waitingAtTakeover = 0;
  let takeoverAt = 0;
  try {
    for (let k = 0; k < writes; k += 1) {
      if (k === Math.floor(writes / 3)) proxy.pause('hold');
      if (k === Math.floor(writes / 3) + 5) {
        await new Promise((resolve) => setTimeout(resolve, 200)); // the child reads the last writes, cannot apply them
        await child.kill();
      }
      if (k === Math.floor((2 * writes) / 3)) {
        waitingAtTakeover = (await present(redis, prefix, keys.slice(Math.floor(writes / 3), k))).length;
        takeoverAt = Date.now();
        consumer = await startCaptureProcess(redisUrl, prefix, db.source());
      }
      await seed(redis, prefix, [keys[k] as string]);
      await db.update(k);
    }
    // A skipped change leaves its entry for good: the wait then times out and `skipped` names it.
    await waitFor('every write applied', async () => (await present(redis, prefix, keys)).length === 0, 30_000).catch(
      () => undefined,
    );
    const drainMs = Date.now() - takeoverAt;
    report(`${db.env.CAPTURE_SOURCE} takeover after SIGKILL: waiting entries, drain ms`, [waitingAtTakeover, drainMs]);
    if (!consumer) throw new Error('the new consumer never started');
    return { writes, waitingAtTakeover, drainMs, skipped: await present(redis, prefix, keys), consumer };
  } catch (error) {
    await consumer?.stop();
    throw error;
  } finally {
    await child.kill();
    await proxy.close();
  }
}
