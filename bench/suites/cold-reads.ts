import { buildReaders, NAMES } from '../support/contenders';
import { startCountingProxy } from '../support/counting-proxy';
import { startBenchEnvironment } from '../support/environment';
import { median, nextTurn } from '../support/harness';
import type { SuiteResult } from '../support/report';

const CONCURRENT = 1000;
const TRIALS = 5;
/** Commands that are not part of a read: the near cache's heartbeat, connection set-up. */
const BACKGROUND = new Set(['ping', 'info', 'client', 'subscribe', 'select', 'hello', 'auth', 'script', 'config']);

/**
 * 1000 concurrent reads of one cold key (a hero no cache holds yet): how many database queries
 * and how many Redis commands each cache sends for them, counted by a proxy in front of Redis
 * (client commands only: a Lua script is one command). Median over trials, each on a new hero.
 */
export default async function coldReads(): Promise<SuiteResult> {
  const started = Date.now();
  const env = await startBenchEnvironment();
  const proxy = await startCountingProxy(env.server.port);
  // Each contender reads heroes of its own (the library's two services share Redis entries).
  const readers = await buildReaders(env, TRIALS * 6, { warm: false, redisUrl: proxy.url });
  try {
    const contenders = readers.all.filter((reader) => reader.kind === 'library' || reader.kind === 'peer');
    const rows: (string | number)[][] = [];
    const figures: Record<string, number> = {};
    for (const [position, reader] of contenders.entries()) {
      const queries: number[] = [];
      const commands: number[] = [];
      const times: number[] = [];
      let breakdown = '';
      for (let trial = 0; trial < TRIALS; trial += 1) {
        const loadsBefore = readers.loads.get(reader.name) ?? 0;
        await nextTurn();
        proxy.reset();
        const start = process.hrtime.bigint();
        await Promise.all(Array.from({ length: CONCURRENT }, () => reader.read(position * TRIALS + trial)));
        times.push(Number(process.hrtime.bigint() - start) / 1e6);
        // Stores may finish after the callers have their values: let them land before counting.
        await new Promise((resolve) => setTimeout(resolve, 50));
        const counts = [...proxy.counts()].filter(([name]) => !BACKGROUND.has(name));
        commands.push(counts.reduce((sum, [, n]) => sum + n, 0));
        queries.push((readers.loads.get(reader.name) ?? 0) - loadsBefore);
        breakdown = counts.map(([name, n]) => `${name} ${n}`).join(', ');
      }
      rows.push([reader.name, median(queries), median(commands), median(times), breakdown]);
      figures[`queries:${reader.name}`] = median(queries);
      figures[`commands:${reader.name}`] = median(commands);
    }
    const kindOf = (name: string) => readers.byName(name).kind;
    return {
      suite: 'cold-reads',
      title: `${CONCURRENT} concurrent cold reads of one key`,
      durationMs: Date.now() - started,
      tables: [
        {
          title:
            `${CONCURRENT} concurrent reads of one cold key, median of ${TRIALS} trials (database ` +
            `queries, Redis commands sent, ms for the burst; last trial's commands by name)`,
          header: ['reader', 'DB queries', 'Redis commands', 'ms', 'commands'],
          rows,
        },
      ],
      charts: [
        {
          title: `Redis commands for ${CONCURRENT} concurrent cold reads`,
          unit: 'commands, lower is better',
          bars: rows.map((row) => ({
            label: row[0] as string,
            value: row[2] as number,
            kind: kindOf(row[0] as string),
          })),
        },
      ],
      figures: {
        ...figures,
        libraryQueries: figures[`queries:${NAMES.redisHit}`] as number,
        libraryCommands: figures[`commands:${NAMES.redisHit}`] as number,
      },
      notes: [
        'Commands are counted as clients send them (a proxy parses the RESP stream): a Lua script ' +
          '(the lease, the conditional store) is one command, whatever it runs inside.',
      ],
    };
  } finally {
    await readers.close();
    await proxy.close();
    await env.dispose();
  }
}
