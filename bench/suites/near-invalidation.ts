import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CachedRepository, CacheService } from 'cachedrepo';
import { heroCacheStrategy, PrismaHeroRepository, type Hero, type HeroRepository } from '../../example';
import { benchHero } from '../support/contenders';
import { benchLogger, startBenchEnvironment } from '../support/environment';
import { percentile } from '../support/harness';
import type { SuiteResult } from '../support/report';

const WRITES = 150;

interface ReaderProcess {
  request(message: object): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

async function startReader(redisUrl: string, databaseUrl: string, mode: string): Promise<ReaderProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'support', 'near-reader.ts')], {
    env: { ...process.env, REDIS_URL: redisUrl, DATABASE_URL: databaseUrl, TRACKING_MODE: mode },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const waiting: ((message: Record<string, unknown>) => void)[] = [];
  let ready: (() => void) | null = null;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const message = JSON.parse(line) as Record<string, unknown>;
    if (message.ready) return ready?.();
    waiting.shift()?.(message);
  });
  await new Promise<void>((resolve, reject) => {
    ready = resolve;
    child.once('exit', (code) => reject(new Error(`near-reader exited (${code})`)));
  });
  return {
    request: (message) =>
      new Promise((resolve, reject) => {
        waiting.push((answer) => (answer.ok ? resolve(answer) : reject(new Error(String(answer.error)))));
        child.stdin.write(`${JSON.stringify(message)}\n`);
      }),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.stdin.end();
      }),
  };
}

/**
 * How long after a write returns in one process another process's near cache drops the
 * entry: the reader process polls its near cache every turn of its event loop while this
 * process updates the hero; both take the time with process.hrtime (CLOCK_MONOTONIC, shared by
 * the processes of one machine). For both tracking modes, with the number of invalidation
 * messages the reader received per write.
 */
export default async function nearInvalidation(): Promise<SuiteResult> {
  const started = Date.now();
  const env = await startBenchEnvironment({ fastDatabase: true });
  const writerCache = new CacheService(env.redis.duplicate(), { logger: benchLogger, nearCache: false });
  const rows: (string | number)[][] = [];
  const figures: Record<string, number> = {};
  try {
    if (!(await writerCache.waitUntilReady(5000))) throw new Error('bench: writer cache not ready');
    const plain = new PrismaHeroRepository(env.prisma);
    const writer = CachedRepository.wrap<Hero, HeroRepository>(plain, heroCacheStrategy(), writerCache);
    const hero = await plain.save(benchHero(0));
    for (const mode of ['default', 'broadcast']) {
      const reader = await startReader(env.server.url, env.databaseUrl, mode);
      try {
        const delays: number[] = [];
        const before = (await reader.request({ op: 'stats' })).nearCache as { messages: number };
        for (let i = 0; i < WRITES; i += 1) {
          await reader.request({ op: 'prime', id: hero.id });
          const watching = reader.request({ op: 'watch' });
          // Let the reader start polling before the write.
          await new Promise((resolve) => setTimeout(resolve, 2));
          await writer.update(hero.id, { description: `${mode} ${i}` });
          const writtenAt = process.hrtime.bigint();
          const { droppedAt } = (await watching) as { droppedAt: string };
          delays.push(Number(BigInt(droppedAt) - writtenAt) / 1000);
        }
        const after = (await reader.request({ op: 'stats' })).nearCache as { messages: number };
        delays.sort((a, b) => a - b);
        const perWrite = (after.messages - before.messages) / WRITES;
        rows.push([
          mode,
          percentile(delays, 50),
          percentile(delays, 99),
          delays[delays.length - 1] as number,
          perWrite,
        ]);
        figures[`${mode}P50Us`] = percentile(delays, 50);
        figures[`${mode}P99Us`] = percentile(delays, 99);
        figures[`${mode}MessagesPerWrite`] = perWrite;
      } finally {
        await reader.stop();
      }
    }
    return {
      suite: 'near-invalidation',
      title: 'Near-cache invalidation delay across processes',
      durationMs: Date.now() - started,
      tables: [
        {
          title:
            `From update() returning in one process to the other process's near cache dropping the ` +
            `entry (microseconds; ${WRITES} writes per mode; negative: dropped before the writer saw ` +
            `its reply)`,
          header: ['tracking mode', 'p50 us', 'p99 us', 'max us', 'messages/write'],
          rows,
        },
      ],
      charts: [
        {
          title: 'Near-cache invalidation delay across processes, p99',
          unit: 'us, lower is better',
          bars: rows.map((row) => ({
            label: `${row[0] as string} tracking`,
            value: Math.max(0, row[2] as number),
            kind: 'library' as const,
          })),
        },
      ],
      figures,
      notes: [
        'messages/write counts what the reader received per update: in broadcast mode every change ' +
          "under the prefix is sent (the write's UNLINK of each key, and the leases and stores of " +
          "the reader's own refills), in default mode only changes of keys the reader read.",
        'Guaranteed bound when messages stop arriving without a connection closing (Redis hung, ' +
          'packets dropped): CACHE_NEAR_CACHE_MAX_STALENESS (250 ms); near caches serve only within ' +
          'that long after sending the last heartbeat PING Redis answered.',
      ],
    };
  } finally {
    await writerCache.close();
    await env.dispose();
  }
}
