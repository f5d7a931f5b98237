/**
 * The hash slot of a key, as Redis Cluster computes it (cluster specification, "Key
 * distribution model": HASH_SLOT = CRC16(key) mod 16384, CRC16-CCITT/XMODEM, polynomial
 * 0x1021, initial value 0; https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/).
 * When the key holds a hash tag (a `{` followed later by a `}` with at least one byte
 * between), only the bytes between the first `{` and the first `}` after it are hashed.
 *
 * Computed here rather than imported from `cluster-key-slot` (ioredis's own dependency, not
 * ours), so that the core's dependencies stay the ones it declares. The tests check it
 * against `CLUSTER KEYSLOT` on a real server.
 */

/** Slots of a Redis Cluster. */
export const CLUSTER_SLOTS = 16384;

const CRC16_TABLE = new Uint16Array(256);
for (let byte = 0; byte < 256; byte += 1) {
  let crc = byte << 8;
  for (let bit = 0; bit < 8; bit += 1) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  CRC16_TABLE[byte] = crc;
}

function crc16(bytes: ArrayLike<number>, start: number, end: number): number {
  let crc = 0;
  for (let index = start; index < end; index += 1)
    crc = ((crc << 8) & 0xffff) ^ (CRC16_TABLE[((crc >> 8) ^ (bytes[index] as number)) & 0xff] as number);
  return crc;
}

/** The key's bytes (UTF-8, as ioredis sends a string key). ASCII, what key schemas produce, skips the encoder. */
function keyBytes(key: string): ArrayLike<number> {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(key)) {
    const bytes = new Uint8Array(key.length);
    for (let index = 0; index < key.length; index += 1) bytes[index] = key.charCodeAt(index);
    return bytes;
  }
  return Buffer.from(key, 'utf8');
}

/**
 * The hash slot (0 to 16383) of `key`.
 * @param key the key as sent to Redis (with the prefix), a string (UTF-8) or bytes
 */
export function keySlot(key: string | Uint8Array): number {
  const bytes = typeof key === 'string' ? keyBytes(key) : key;
  let open = -1;
  for (let index = 0; index < bytes.length; index += 1) {
    if (bytes[index] === 0x7b) {
      open = index;
      break;
    }
  }
  if (open >= 0) {
    for (let index = open + 1; index < bytes.length; index += 1) {
      if (bytes[index] !== 0x7d) continue;
      // `{}`: an empty tag does not count, the whole key is hashed.
      if (index > open + 1) return crc16(bytes, open + 1, index) % CLUSTER_SLOTS;
      break;
    }
  }
  return crc16(bytes, 0, bytes.length) % CLUSTER_SLOTS;
}

/**
 * A short hash tag (a decimal number) whose slot satisfies `owned`: the smallest such number,
 * so the same slot ownership always gives the same tag. Used to place a key on a chosen master.
 * @returns undefined when no slot is owned (none of the first 16384 * 16 numbers hashes into an owned slot)
 */
export function hashTagFor(owned: (slot: number) => boolean): string | undefined {
  for (let candidate = 0; candidate < CLUSTER_SLOTS * 16; candidate += 1) {
    const tag = String(candidate);
    if (owned(keySlot(tag))) return tag;
  }
  return undefined;
}
