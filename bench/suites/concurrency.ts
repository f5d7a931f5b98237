import { buildReaders, NAMES } from '../support/contenders';
import { startBenchEnvironment } from '../support/environment';
import { interleavedThroughput } from '../support/harness';
import type { SuiteResult } from '../support/report';

const IN_FLIGHT = 64;
const ROUNDS = 5;
const TOTAL = 12_000;

/**
 * 64 callers in flight, each awaiting its previous read: on 64 keys (caller i reads hero i) and
 * on one hot key (every caller reads hero 0). Reads per second, the median over interleaved
 * rounds, as ratios to a default ioredis client with auto-pipelining (the fastest raw client
 * for this load).
 */
export default async function concurrency(): Promise<SuiteResult> {
  const started = Date.now();
  const env = await startBenchEnvironment();
  const readers = await buildReaders(env, IN_FLIGHT);
  try {
    const contenders = readers.all.filter((reader) => reader.kind !== 'database');
    const spread = await interleavedThroughput(
      contenders.map((reader) => ({ name: reader.name, call: (caller: number) => reader.read(caller) })),
      ROUNDS,
      TOTAL,
      IN_FLIGHT,
    );
    const hot = await interleavedThroughput(
      contenders.map((reader) => ({ name: reader.name, call: () => reader.read(0) })),
      ROUNDS,
      TOTAL,
      IN_FLIGHT,
    );
    const baseSpread = spread.get(NAMES.rawPipelined) as number;
    const baseHot = hot.get(NAMES.rawPipelined) as number;
    const kindOf = (name: string) => readers.byName(name).kind;
    const names = contenders.map((reader) => reader.name);
    return {
      suite: 'concurrency',
      title: `${IN_FLIGHT} reads in flight`,
      durationMs: Date.now() - started,
      tables: [
        {
          title:
            `${IN_FLIGHT} callers in flight, ${TOTAL.toLocaleString('en-US')} reads per run, median of ` +
            `${ROUNDS} interleaved runs (reads/s; ratios to raw GET + parse with auto-pipelining)`,
          header: ['reader', `${IN_FLIGHT} keys`, 'x raw', 'one hot key', 'x raw'],
          rows: names.map((name) => [
            name,
            spread.get(name) as number,
            (spread.get(name) as number) / baseSpread,
            hot.get(name) as number,
            (hot.get(name) as number) / baseHot,
          ]),
        },
      ],
      charts: [
        {
          title: `${IN_FLIGHT} in flight on ${IN_FLIGHT} keys`,
          unit: 'reads/s, higher is better',
          bars: names.map((name) => ({ label: name, value: spread.get(name) as number, kind: kindOf(name) })),
        },
        {
          title: `${IN_FLIGHT} in flight on one hot key`,
          unit: 'reads/s, higher is better',
          bars: names.map((name) => ({ label: name, value: hot.get(name) as number, kind: kindOf(name) })),
        },
      ],
      figures: {
        redisSpreadRatio: (spread.get(NAMES.redisHit) as number) / baseSpread,
        redisHotRatio: (hot.get(NAMES.redisHit) as number) / baseHot,
        cacheManagerHotRatio: (hot.get(NAMES.cmRedis) as number) / baseHot,
        nearSpreadRatio: (spread.get(NAMES.nearHit) as number) / baseSpread,
        ...Object.fromEntries(names.map((name) => [`spread:${name}`, spread.get(name) as number])),
        ...Object.fromEntries(names.map((name) => [`hot:${name}`, hot.get(name) as number])),
      },
      notes: [
        'The library batches the reads asked for in one tick into one GET or MGET; reads of one ' +
          'key in a batch share one GET and one decode, each caller getting its own copy. ' +
          "cache-manager's wrap hands every concurrent caller of a key the same object.",
      ],
    };
  } finally {
    await readers.close();
    await env.dispose();
  }
}
