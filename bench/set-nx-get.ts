import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { startRedisServer } from 'cachedrepo/testing';

const ROUNDS = Number(process.env.ROUNDS ?? 11);
const PER_TURN = Number(process.env.PER_TURN ?? 3000);

const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/**
 * What a hit costs when the read also offers a lease: `GET` against `SET key token EX 10 NX GET` (Redis 7.0) on a key
 * holding a 500-byte entry, sequential, through a default ioredis client, in interleaved rounds (the first dropped).
 * Prints per call the median latency and its range over rounds, the client's CPU, and Redis's own time per call
 * (`INFO commandstats`). The numbers behind the miss share from which the library's reads place the lease
 * (`src/protocol/cache-aside-reader.ts`, REDIS_CACHE.md section 14):
 * `node --import tsx bench/set-nx-get.ts` (ROUNDS, PER_TURN to change the rounds).
 */
async function main(): Promise<void> {
  const server = await startRedisServer();
  const redis = new Redis(server.url);
  try {
    await redis.set('entry', 'x'.repeat(500));
    const tokens = `\u0000lease:${randomUUID()}:`;
    let next = 0;
    const calls: Record<string, () => Promise<unknown>> = {
      GET: () => redis.get('entry'),
      'SET NX GET (hit)': () => redis.set('entry', tokens + (next += 1), 'EX', 10, 'NX', 'GET'),
    };
    const latency: Record<string, number[]> = {};
    const cpu: Record<string, number[]> = {};
    await redis.config('RESETSTAT');
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [name, call] of Object.entries(calls)) {
        const times: number[] = [];
        const cpuBefore = process.cpuUsage();
        for (let i = 0; i < PER_TURN; i += 1) {
          const started = performance.now();
          await call();
          times.push((performance.now() - started) * 1000);
        }
        const used = process.cpuUsage(cpuBefore);
        if (round === 0) continue;
        (latency[name] ??= []).push(median(times));
        (cpu[name] ??= []).push((used.user + used.system) / PER_TURN);
      }
    }
    const base = median(latency.GET ?? []);
    for (const name of Object.keys(calls)) {
      const rounds = latency[name] ?? [];
      const at = median(rounds);
      console.log(
        `${name.padEnd(18)} median ${at.toFixed(2)} us (rounds ${Math.min(...rounds).toFixed(2)}-` +
          `${Math.max(...rounds).toFixed(2)}), x GET ${(at / base).toFixed(3)}, client CPU ` +
          `${median(cpu[name] ?? []).toFixed(2)} us/call`,
      );
    }
    const stats = (await redis.info('commandstats')).split('\n').filter((line) => /^cmdstat_(get|set):/.test(line));
    console.log(stats.join('\n'));
  } finally {
    redis.disconnect();
    await server.stop();
  }
}

void main();
