import { buildReaders, NAMES } from '../support/contenders';
import { startBenchEnvironment } from '../support/environment';
import { interleaved } from '../support/harness';
import type { SuiteResult } from '../support/report';

const ROUNDS = 16;
const PER_TURN = 400;
const PER_TURN_DATABASE = 80;

/**
 * Sequential reads of one cached hero, each contender in turn: median and p99 latency, and CPU
 * per read, each also as a ratio to a default ioredis client's GET + superjson.parse measured
 * in the same rounds.
 */
export default async function hitPath(): Promise<SuiteResult> {
  const started = Date.now();
  const env = await startBenchEnvironment();
  const readers = await buildReaders(env, 1);
  try {
    const nearBefore = readers.withNear.health().nearCache.caches[0]?.hits ?? 0;
    const measured = await interleaved(
      readers.all.map((reader) => ({ name: reader.name, call: () => reader.read(0) })),
      ROUNDS,
      (name) => (name === NAMES.prisma ? PER_TURN_DATABASE : PER_TURN),
    );
    const nearHits = (readers.withNear.health().nearCache.caches[0]?.hits ?? 0) - nearBefore;
    const byName = new Map(measured.map((m) => [m.name, m]));
    const raw = byName.get(NAMES.raw) as (typeof measured)[number];
    const kindOf = (name: string) => readers.byName(name).kind;
    const near = byName.get(NAMES.nearHit) as (typeof measured)[number];
    const redis = byName.get(NAMES.redisHit) as (typeof measured)[number];
    const prisma = byName.get(NAMES.prisma) as (typeof measured)[number];
    const nearReads = (ROUNDS + 1) * PER_TURN;
    return {
      suite: 'hit-path',
      title: 'Sequential hit of one hero (about 500 bytes)',
      durationMs: Date.now() - started,
      tables: [
        {
          title:
            `Sequential hit, one hero, ${ROUNDS} interleaved rounds of ${PER_TURN} reads (Prisma ` +
            `${PER_TURN_DATABASE}); ratios to a default ioredis client's GET + superjson.parse in the ` +
            `same rounds`,
          header: ['reader', 'median us', 'p99 us', 'CPU us/read', 'x raw (median)', 'x raw (CPU)'],
          rows: measured.map((m) => [m.name, m.median, m.p99, m.cpu, m.median / raw.median, m.cpu / raw.cpu]),
        },
      ],
      charts: [
        {
          title: 'Sequential hit, median latency',
          unit: 'us, lower is better',
          bars: measured.map((m) => ({ label: m.name, value: m.median, kind: kindOf(m.name) })),
        },
        {
          title: 'CPU per hit',
          unit: 'us, lower is better',
          bars: measured
            .filter((m) => m.name !== NAMES.prisma)
            .map((m) => ({ label: m.name, value: m.cpu, kind: kindOf(m.name) })),
        },
      ],
      figures: {
        rawMedianUs: raw.median,
        redisHitMedianUs: redis.median,
        redisHitRatio: redis.median / raw.median,
        redisHitCpuRatio: redis.cpu / raw.cpu,
        nearHitMedianUs: near.median,
        nearHitP99Us: near.p99,
        nearHitVsPrisma: prisma.median / near.median,
        prismaMedianUs: prisma.median,
        nearHitShare: nearHits / nearReads,
        ...Object.fromEntries(measured.map((m) => [`ratio:${m.name}`, m.median / raw.median])),
        ...Object.fromEntries(measured.map((m) => [`cpuRatio:${m.name}`, m.cpu / raw.cpu])),
      },
      notes: [
        `near-cache reads answered by the near cache: ${nearHits} of ${nearReads} (the rest went ` +
          `to Redis: tracking not confirmed by a heartbeat in the last 250 ms, e.g. after a long ` +
          `synchronous stretch)`,
        'BentoCache and cache-manager serialize with JSON (Dates come back as strings); the ' +
          'library and the raw baseline with superjson (Dates as Dates).',
      ],
    };
  } finally {
    await readers.close();
    await env.dispose();
  }
}
