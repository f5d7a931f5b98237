import Redis from 'ioredis';
import { startRedisServer } from 'cachedrepo/testing';
import { StandaloneConnection } from '../src/redis/standalone-store';

const ROUNDS = Number(process.env.ROUNDS ?? 9);
const TICKS = Number(process.env.TICKS ?? 500);
const PER_TICK = Number(process.env.PER_TICK ?? 16);

const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/**
 * What corking the socket for a tick saves (`src/redis/standalone-store.ts`): the client's CPU per command when
 * PER_TICK commands (a 500-byte `SET ... EX`) are sent in one tick, and a sequential `GET`'s latency, through a plain
 * ioredis client (`enableAutoPipelining: false`, as the library builds it) and through the library's connection over
 * the same client, in interleaved rounds (the first dropped):
 * `node --import tsx bench/socket-cork.ts` (ROUNDS, TICKS, PER_TICK to change them).
 */
async function main(): Promise<void> {
  const server = await startRedisServer();
  const client = new Redis(server.url, { enableAutoPipelining: false, commandTimeout: 500 });
  try {
    await client.ping();
    const ways: Record<string, { redis: Redis }> = {
      plain: { redis: client },
      corked: new StandaloneConnection(client),
    };
    const value = 'x'.repeat(500);
    const cpu: Record<string, number[]> = { plain: [], corked: [] };
    const latency: Record<string, number[]> = { plain: [], corked: [] };
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [name, way] of Object.entries(ways)) {
        const before = process.cpuUsage();
        for (let tick = 0; tick < TICKS; tick += 1)
          await Promise.all(Array.from({ length: PER_TICK }, (_, k) => way.redis.set(`k${k}`, value, 'EX', 60)));
        const used = process.cpuUsage(before);
        const started = performance.now();
        for (let call = 0; call < TICKS; call += 1) await way.redis.get('k1');
        if (round === 0) continue;
        cpu[name]?.push((used.user + used.system) / (TICKS * PER_TICK));
        latency[name]?.push(((performance.now() - started) * 1000) / TICKS);
      }
    }
    for (const name of Object.keys(ways))
      console.log(
        `${name}: ${median(cpu[name] ?? []).toFixed(1)} us of CPU per command (${PER_TICK} per tick), ` +
          `sequential GET ${median(latency[name] ?? []).toFixed(1)} us`,
      );
  } finally {
    client.disconnect();
    await server.stop();
  }
}

void main();
