import { randomUUID } from 'node:crypto';

/**
 * Leases: how a read that missed proves, when it stores, that nothing touched the key since
 * before it read the database.
 *
 * A read that misses places a lease, a token unique to that read, in the key (only if the
 * key is empty or holds what the read rejected), then loads, then stores its value only if the
 * key still holds exactly its token ({@link STORE_IF_LEASED_LUA}). Whatever removed or replaced
 * the token in between (a write's invalidation, eviction, `FLUSHALL`, expiry of the lease, a
 * restart, another reader) makes the store fail; nothing can make it succeed by accident, so
 * a stale load is dropped. These are the leases of "Scaling Memcache at Facebook" (Nishtala et
 * al., NSDI 2013, section 3.2.1): a lost lease makes the store fail, never succeed. Each script
 * touches one key, so they run unchanged on Redis Cluster.
 *
 * A read that finds another reader's lease does not steal it: it loads and answers from the
 * database without storing, and the lease holder fills the key.
 */

/** Raw values the cache writes that are not entries all start with NUL (entries never do). */
const RESERVED = 0;
const LEASE_START = '\u0000lease:';

/** "No such entity" (negative caching) or a `null` query result: a hit whose value is null. */
export const NEGATIVE_ENTRY = '\u0000none';

/**
 * A new lease token, different from every other token of every process: 122 random bits (a
 * version 4 UUID), so no counter is shared by the CacheServices of a process, and two processes
 * or restarts cannot repeat one. A token only has to be unique; nothing reads an order from it.
 */
export function newLeaseToken(): string {
  return LEASE_START + randomUUID();
}

/** True for a raw value that is a lease (a read under way elsewhere), which reads as a miss. */
export function isLease(raw: string): boolean {
  return raw.charCodeAt(0) === RESERVED && raw !== NEGATIVE_ENTRY;
}

/**
 * KEYS[1] the key; ARGV[1] the token; ARGV[2] lease TTL in seconds; ARGV[3] the string value the
 * read rejected as corrupt, if any, else absent.
 * The lease is placed when the key is empty, holds a value of another Redis type (never ours),
 * still holds the rejected string, or holds a lease (a value starting with NUL that a read takes
 * for one, {@link isLease}) without a TTL: the cache never writes one (every lease is set with
 * EX), and nothing would remove it, so it would keep every reader from storing until the next
 * write. It is a corrupt entry, replaced like one.
 * Returns 1 when placed (or when the key already holds this very token: an acquire sent again
 * after a timeout the process caused, redis-gateway.ts), 2 when it replaced a lease without a
 * TTL, 0 when the key holds something else (another reader's lease, or an entry stored meanwhile).
 */
export const ACQUIRE_LEASE_LUA = `
local kind = redis.call('TYPE', KEYS[1])['ok']
local replaced = 1
if kind == 'string' then
  local value = redis.call('GET', KEYS[1])
  if value == ARGV[1] then return 1 end
  if ARGV[3] == nil or value ~= ARGV[3] then
    if string.byte(value, 1) ~= 0 or redis.call('PTTL', KEYS[1]) ~= -1 then return 0 end
    replaced = 2
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return replaced
`;

/**
 * KEYS[1] the key; ARGV[1] the token; ARGV[2] the entry; ARGV[3] TTL in seconds.
 * Returns 1 when stored, 0 when the key no longer holds the token.
 */
export const STORE_IF_LEASED_LUA = `
if redis.call('TYPE', KEYS[1])['ok'] ~= 'string' or redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
`;

/**
 * KEYS[1] the key; ARGV[1] the token. Removes the lease if the key still holds it (a load that failed or stores
 * nothing).
 */
export const RELEASE_LEASE_LUA = `
if redis.call('TYPE', KEYS[1])['ok'] == 'string' and redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
return 0
`;
