import type { RedisGateway } from '../redis/redis-gateway';
import { luaScript } from '../redis/scripts';

/** KEYS[1] the lease; ARGV[1] the holder's token; ARGV[2] its TTL in ms. 1 when held (renewed or taken), else 0. */
const RENEW_HOLDER = luaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0
`);

/**
 * Takes or renews a single-holder lease: one process at a time delivers the outbox or reads a
 * change-capture source. The holder renews it well within its TTL; when it stops, another process
 * takes over within the TTL. A process that cannot reach Redis cannot hold it.
 * @param key the lease key, as stored (prefixed)
 * @param ttlMs milliseconds the lease lasts unless renewed
 * @param whileUntrusted send although the breaker is open
 * @returns true while `token` holds the lease
 */
export async function holdLease(
  gateway: RedisGateway,
  operation: string,
  key: string,
  token: string,
  ttlMs: number,
  whileUntrusted = false,
): Promise<boolean> {
  const held = await gateway.run(
    operation,
    undefined,
    (redis) => redis.script(RENEW_HOLDER, [key], [token, ttlMs]),
    whileUntrusted,
  );
  return held === 1;
}
