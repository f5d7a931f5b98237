import Redis from 'ioredis';
import { startRedisServer } from 'cachedrepo/testing';

const ROUNDS = Number(process.env.ROUNDS ?? 9);
const TICKS = Number(process.env.TICKS ?? 500);
const PER_TICK = Number(process.env.PER_TICK ?? 16);

const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/**
 * What corking the socket for a tick saves: the client's CPU per command when PER_TICK commands (a 500-byte
 * `SET ... EX`) are sent in one tick, and a sequential `GET`'s latency, through a plain ioredis client
 * (`enableAutoPipelining: false`, as the library builds it) with and without the cork the library's standalone
 * connections place (`src/redis/standalone-store.ts`: a tick's first command corks the socket, a `process.nextTick`
 * uncorks it; repeated here, since benchmarks use the public API only), in interleaved rounds with a rotating start
 * (the first dropped): `node --import tsx bench/socket-cork.ts` (ROUNDS, TICKS, PER_TICK to change them; CALIBRATE=1
 * adds a second uncorked way, identical to the first, to show the noise between two ways that do not differ).
 */
async function main(): Promise<void> {
  const server = await startRedisServer();
  const client = new Redis(server.url, { enableAutoPipelining: false, commandTimeout: 500 });
  try {
    await client.ping();
    let corked = false;
    const corking = {
      get redis(): Redis {
        if (!corked) {
          const socket = client.stream;
          socket.cork();
          corked = true;
          process.nextTick(() => {
            corked = false;
            socket.uncork();
          });
        }
        return client;
      },
    };
    const ways: Record<string, { redis: Redis }> = { plain: { redis: client }, corked: corking };
    if (process.env.CALIBRATE) ways['plain again'] = { redis: client };
    const value = 'x'.repeat(500);
    const cpu: Record<string, number[]> = { plain: [], corked: [], 'plain again': [] };
    const latency: Record<string, number[]> = { plain: [], corked: [], 'plain again': [] };
    for (let round = 0; round < ROUNDS; round += 1) {
      // A rotating start: each way runs first in every other round.
      const entries = Object.entries(ways);
      const order = entries.map((_, index) => entries[(index + round) % entries.length] as (typeof entries)[number]);
      for (const [name, way] of order) {
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
