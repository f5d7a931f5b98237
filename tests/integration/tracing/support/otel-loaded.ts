import { CacheService } from '../../../../src/protocol/cache-service';
import { createRedisClient } from '../../../../src/redis/redis-client';

// Run by tracing-load.test.ts in a process of its own: builds a CacheService on REDIS_URL with tracing as argv[2] says
// (`on` or `off`), and prints whether @opentelemetry/api was loaded.
async function main(): Promise<void> {
  const loaded = (): boolean => Object.keys(require.cache).some((path) => path.includes('@opentelemetry'));
  const before = loaded();
  const cache = new CacheService(createRedisClient({ url: process.env.REDIS_URL as string }), {
    tracing: { enabled: process.argv[2] === 'on' },
  });
  await cache.waitUntilReady(5000);
  process.stdout.write(`${JSON.stringify({ before, after: loaded() })}\n`);
  await cache.close();
}

void main();
