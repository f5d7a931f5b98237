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
 * UNLINK of `KEYS[1..n]` (n = `ARGV[1]`), and for each other key (a receipt key) `SET <receipt> ... PX ARGV[3]` of
 * the receipt `ARGV[2]` merged with the one already there, all of one slot. Writers of a hot key finish out of order,
 * and each receipt is a fact about an UNLINK of the key made after the changes it covers committed; so the merged one,
 * the higher `below` and an `own` that it does not cover, is one too: the entry present now was loaded after the last
 * of those UNLINKs. Positions compare in serial number arithmetic on 32 bits (RFC 1982), as `precedes` does.
 * @returns keys removed
 */
export const UNLINK_WITH_RECEIPT = luaScript(`
local function parse(text)
  if not text then return nil end
  local below, own = string.match(text, '^(%d+):(%d*)$')
  if not below then return nil end
  return tonumber(below), tonumber(own)
end
local function precedes(a, b) return (a - b) % 4294967296 >= 2147483648 end
local n = tonumber(ARGV[1])
local below, own = parse(ARGV[2])
local removed = 0
for i = 1, n do removed = removed + redis.call('UNLINK', KEYS[i]) end
for i = n + 1, #KEYS do
  local b, o = below, own
  local oldBelow, oldOwn = parse(redis.call('GET', KEYS[i]))
  if oldBelow then
    if precedes(b, oldBelow) then b = oldBelow end
    if (not o or precedes(o, b)) and oldOwn then o = oldOwn end
    if o and precedes(o, b) then o = nil end
  end
  redis.call('SET', KEYS[i], string.format('%d:%s', b, o and string.format('%d', o) or ''), 'PX', ARGV[3])
end
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
