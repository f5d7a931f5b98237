import { Redis } from 'ioredis';
import { startRedisServer } from 'cachedrepo/testing';

/**
 * Redis memory taken by the client-tracking table (default mode, OPTIN, as near caches use it):
 * `npx tsx bench/tracking-memory.ts [keys] [clients...]`. For each number of clients, a fresh
 * redis-server holds `keys` keys of 48 characters (like `cache:hero:<uuid>`); that many
 * connections track every key (`CLIENT CACHING YES` + GET); used_memory is compared before and
 * after, with INFO's tracking_total_keys and tracking_total_items (key, client pairs). Fitting
 * bytes = a * keys + b * items over the runs gives the cost per tracked key and per pair.
 */
async function measure(
  keys: number,
  clients: number,
): Promise<{ clients: number; keys: number; items: number; bytes: number }> {
  const server = await startRedisServer();
  const admin = new Redis(server.url);
  const name = (i: number): string => `cache:hero:0123456789abcdef0123456789ab${String(i).padStart(8, '0')}`;
  try {
    const fill = admin.pipeline();
    for (let i = 0; i < keys; i += 1) fill.set(name(i), 'v');
    await fill.exec();
    const subscriber = new Redis(server.url);
    const subscriberId = String(await subscriber.client('ID'));
    await subscriber.subscribe('__redis__:invalidate');
    const used = async (): Promise<number> => Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]);
    const before = await used();
    const connections: Redis[] = [];
    for (let c = 0; c < clients; c += 1) {
      const redis = new Redis(server.url);
      await redis.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', subscriberId, 'OPTIN');
      const reads = redis.pipeline();
      for (let i = 0; i < keys; i += 1) reads.call('CLIENT', 'CACHING', 'YES').get(name(i));
      await reads.exec();
      connections.push(redis);
    }
    const bytes = (await used()) - before;
    const stats = await admin.info('stats');
    const items = Number(/tracking_total_items:(\d+)/.exec(stats)?.[1]);
    for (const redis of connections) redis.disconnect();
    subscriber.disconnect();
    return { clients, keys: Number(/tracking_total_keys:(\d+)/.exec(stats)?.[1]), items, bytes };
  } finally {
    admin.disconnect();
    await server.stop();
  }
}

async function main(): Promise<void> {
  const keys = Number(process.argv[2] ?? 50_000);
  const counts = process.argv.slice(3).map(Number);
  const runs = [];
  for (const clients of counts.length > 0 ? counts : [1, 5, 20]) runs.push(await measure(keys, clients));
  for (const run of runs)
    console.log(
      `${run.clients} clients: ${run.keys} keys tracked, ${run.items} (key, client) items, ` +
        `${(run.bytes / 2 ** 20).toFixed(1)} MiB`,
    );
  const [first, last] = [runs[0], runs[runs.length - 1]];
  if (first && last && last.items !== first.items) {
    const perItem = (last.bytes - first.bytes) / (last.items - first.items);
    console.log(
      `per (key, client) item: ${perItem.toFixed(0)} bytes; per tracked key: ` +
        `${((first.bytes - perItem * first.items) / first.keys).toFixed(0)} bytes`,
    );
  }
}

void main();
