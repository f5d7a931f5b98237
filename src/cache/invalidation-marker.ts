import { randomBytes } from 'node:crypto';

/**
 * Invalidation markers: how a write tells in-flight reads that what they loaded is stale.
 *
 * A write does not DEL a key: it overwrites it with a marker that is unique to that write.
 * A read that missed remembers what it saw in the key (nothing, a marker or an undecodable
 * entry) and stores what it loaded only if the key still holds exactly that
 * ({@link STORE_IF_UNCHANGED_LUA}). A write that landed in between changed the key, so the
 * stale load is dropped. This is the versioned form of the leases of "Scaling Memcache at
 * Facebook" (Nishtala et al., NSDI 2013, section 3.2.1), on a single key, so it works
 * unchanged on Redis Cluster.
 */

const MARKER_START = '\u0000inv:';
const processTag = randomBytes(6).toString('hex');
let sequence = 0;

/** A new marker, different from every other marker of every process. */
export function newInvalidationMarker(): string {
  sequence += 1;
  return `${MARKER_START}${processTag}:${sequence}`;
}

/** True when a raw Redis value is a marker, not an entry (entries are JSON and never start with NUL). */
export function isInvalidationMarker(raw: string): boolean {
  return raw.charCodeAt(0) === 0;
}

/**
 * KEYS[1] the key; ARGV[1] what the read saw ('' for nothing); ARGV[2] the entry;
 * ARGV[3] TTL in seconds. Returns 1 when stored, 0 when the key changed meanwhile.
 */
export const STORE_IF_UNCHANGED_LUA = `
local current = redis.call('GET', KEYS[1])
if current == false then current = '' end
if current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
`;
