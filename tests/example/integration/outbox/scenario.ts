import { performance } from 'node:perf_hooks';
import { Gender, Language } from '../../../../example/domain';
import type { CacheHealth } from '../../../../src/protocol/cache-service';
import { PrismaHeroRepository } from '../../../../example/infrastructure/prisma';
import type { TestDatabase } from '../../support/database';
import type { WorkerConfig } from '../../support/cache-worker';
import type { CacheWorker } from '../../support/worker-process';
import { sleep, until } from '../../../support/wait';

// Shared by the outbox tests: a hero both workers have cached, a reader that records every
// read through one worker with the test's clock, and the stale-read arithmetic.

/** A hero as it crosses the worker's JSON protocol. */
interface WireHero {
  id: string;
  description: string | null;
}
interface WireStats {
  hits: number;
}

export const now = (): number => performance.now();
/** Waits until `ms` after `since` (shapes a scenario's timeline; never decides an outcome). */
export async function waitUntilElapsed(since: number, ms: number): Promise<void> {
  const left = since + ms - now();
  if (left > 0) await sleep(left);
}

export const health = async (worker: CacheWorker): Promise<CacheHealth> =>
  (await worker.request('health')) as CacheHealth;
export const hits = async (worker: CacheWorker): Promise<number> => ((await worker.request('stats')) as WireStats).hits;
/** True when the worker's CacheService was given an outbox (false before the outbox lands). */
export const outboxActive = async (worker: CacheWorker): Promise<boolean> =>
  ((await worker.request('config')) as WorkerConfig).outbox;
export const describeHero = async (worker: CacheWorker, id: string): Promise<string | null> =>
  ((await worker.request('findById', id)) as WireHero | null)?.description ?? null;

/**
 * Creates a hero and makes every worker serve it from Redis. Waits for every breaker to be
 * closed first (a cache may bypass Redis until it has checked the server after connecting),
 * then reads until, in one round, each worker's read is a hit. @returns its id
 */
export async function cachedHero(
  db: TestDatabase,
  description: string,
  workers: readonly CacheWorker[],
): Promise<string> {
  const hero = await new PrismaHeroRepository(db.prisma).save({
    name: 'Perseus',
    language: Language.Greek,
    gender: Gender.Male,
    description,
  });
  await until(
    async () => (await Promise.all(workers.map(health))).every((state) => state.breaker === 'closed'),
    15_000,
    'every breaker to be closed',
  );
  await until(
    async () => {
      let allHit = true;
      for (const worker of workers) {
        const before = await hits(worker);
        expect(await describeHero(worker, hero.id)).toBe(description);
        if ((await hits(worker)) !== before + 1) allHit = false;
      }
      return allHit;
    },
    15_000,
    'every worker to serve the hero from Redis',
  );
  return hero.id;
}

/** One read, timed on the test's clock: `start` is when the request was sent. */
export interface TimedRead {
  start: number;
  end: number;
  description: string | null;
}

/**
 * Reads `id` through `worker` back to back until stopped. A read sent after a write's answer
 * arrived began after the write returned, so judging by the test's clock never blames a read
 * that overlapped the write.
 */
export function startReader(
  worker: CacheWorker,
  id: string,
): { reads: TimedRead[]; freshForMs(fresh: string): number; stop(): Promise<TimedRead[]> } {
  const reads: TimedRead[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const start = now();
      const description = await describeHero(worker, id);
      reads.push({ start, end: now(), description });
      // A few ms between reads: thousands of samples over a scenario, without flooding the worker.
      await sleep(5);
    }
  })();
  return {
    reads,
    /**
     * How long every read has returned `fresh`: from the start of the current run of such reads to now (0 when the last
     * read did not).
     */
    freshForMs: (fresh) => {
      let first: TimedRead | undefined;
      for (let index = reads.length - 1; index >= 0 && (reads[index] as TimedRead).description === fresh; index -= 1)
        first = reads[index];
      return first ? now() - first.start : 0;
    },
    stop: async () => {
      running = false;
      await loop;
      return reads;
    },
  };
}

/** Stale reads among those that began after `from` (ms on the test's clock). */
export interface StaleSummary {
  /** Reads that began after `from`. */
  reads: number;
  /** Of those, reads that returned `stale`. */
  stale: number;
  /** Of those, stale reads that began more than `boundMs` after `from`. */
  staleAfterBound: number;
  /** Start of the last stale read, ms after `from`; 0 when none. */
  staleForMs: number;
  /** True when the last read observed was still stale. */
  staleAtEnd: boolean;
  /** Last read's start, ms after `from`. */
  observedMs: number;
}

/** @throws {Error} when a read returned neither `stale` nor `fresh` */
export function summarize(
  reads: readonly TimedRead[],
  from: number,
  boundMs: number,
  stale: string,
  fresh: string,
): StaleSummary {
  const after = reads.filter((read) => read.start >= from);
  const odd = after.find((read) => read.description !== stale && read.description !== fresh);
  if (odd) throw new Error(`read returned ${String(odd.description)}, expected ${stale} or ${fresh}`);
  const staleReads = after.filter((read) => read.description === stale);
  const last = after[after.length - 1];
  return {
    reads: after.length,
    stale: staleReads.length,
    staleAfterBound: staleReads.filter((read) => read.start - from > boundMs).length,
    staleForMs: staleReads.length === 0 ? 0 : Math.round((staleReads[staleReads.length - 1] as TimedRead).start - from),
    staleAtEnd: last?.description === stale,
    observedMs: last ? Math.round(last.start - from) : 0,
  };
}

/** One line the guide can quote. */
export function report(scenario: string, summary: StaleSummary, boundMs: number, outbox: boolean): void {
  const window =
    summary.stale === 0
      ? 'never stale'
      : `stale until +${summary.staleForMs} ms${summary.staleAtEnd ? ' (still stale when observation ended)' : ''}`;
  console.log(
    `[outbox ${outbox ? 'on' : 'missing'}] ${scenario}: ${summary.stale}/${summary.reads} ` +
      `reads stale, ${window}, ${summary.staleAfterBound} past the ${boundMs} ms bound, observed ` +
      `${summary.observedMs} ms`,
  );
}
