import { keySlot } from './cluster/key-slot';
import { luaScript } from './scripts';

/**
 * Where a write's receipt (`repository/write-receipt.ts`) lives in Redis: one key beside each invalidated key, in the
 * same hash slot, so that one script removes the key and places its receipt atomically on one server, and a Cluster
 * failover that loses the `UNLINK` (asynchronous replication) loses the receipt with it: a replica applies a script's
 * effects as one transaction (Redis docs, "Scripts replication"). The receipt key starts with `{`, outside the prefix
 * that near caches track on a Cluster, so placing it sends them no invalidation.
 */

/** Appended to a key to name its receipt. */
const SUFFIX = '|receipt';

/**
 * The receipt key of `key` (as stored, prefixed): the key with the suffix when that keeps its slot (the key has a hash
 * tag), else the key as the hash tag; null when neither hashes to the key's slot (a key with a stray `{` or `}`):
 * such a key gets no receipt, and change capture unlinks it as before.
 */
export function receiptKeyOf(key: string): string | null {
  const slot = keySlot(key);
  const appended = `${key}${SUFFIX}`;
  if (keySlot(appended) === slot) return appended;
  const tagged = `{${key}}${SUFFIX}`;
  return keySlot(tagged) === slot ? tagged : null;
}

/**
 * UNLINK of `KEYS[1..n]` (n = `ARGV[1]`, one call) and `SET <receipt key> ARGV[2] PX ARGV[3]` of each other key, all of
 * one slot. A receipt replaces the one there: when writers of a hot key finish out of order, the key keeps the receipt
 * of the last to finish, a true but older one, and the consumer then unlinks the key (merging them in the script cost
 * one GET per key, about 25 µs per update here, for keys the consumer would then skip more often).
 * @returns keys removed
 */
export const UNLINK_WITH_RECEIPT = luaScript(`
local n = tonumber(ARGV[1])
local removed = redis.call('UNLINK', unpack(KEYS, 1, n))
for i = n + 1, #KEYS do redis.call('SET', KEYS[i], ARGV[2], 'PX', ARGV[3]) end
return removed
`);

/** The script's keys and arguments for `keys` (one slot, or any keys on one server). */
export function receiptScriptCall(
  keys: readonly string[],
  receipt: string,
  ttlMs: number,
): { keys: string[]; args: (string | number)[] } {
  const receiptKeys = keys.map(receiptKeyOf).filter((key): key is string => key !== null);
  return { keys: [...keys, ...receiptKeys], args: [keys.length, receipt, ttlMs] };
}

/** The receipt keys of `keys`, in order (null where a key has none), for an MGET. */
export function receiptKeysOf(keys: readonly string[]): (string | null)[] {
  return keys.map(receiptKeyOf);
}
