import type { Cluster, Redis } from 'ioredis';

/** What a {@link getOrLease} found: the key's value, or null when it was empty and now holds the lease. */
export interface LeasedRead {
  value: string | null;
  /** True when this command placed the lease (the key was empty). */
  placed: boolean;
}

/** Whether the server accepts `SET ... NX GET`, learnt from its first answer (one per connection). */
export interface GetOrLeaseSupport {
  unsupported: boolean;
}

/**
 * `SET key token EX ttlSeconds NX GET`: a GET that, on an empty key, also places a lease in the same
 * round trip. When the key exists it returns the value and sets nothing (an entry, another reader's
 * lease, a corrupt value); when it is absent it sets `token` and returns nil (NX with GET needs Redis 7.0;
 * https://redis.io/docs/latest/commands/set/). A key of another type fails with WRONGTYPE, like a GET.
 *
 * The same command sent again (the gateway repeats a command whose timeout the process's own stall
 * caused) finds its own token: that counts as placed. A server older than 7.0 answers `ERR syntax error`:
 * `support` remembers it and this read, and every later one, is a plain GET that places nothing.
 */
export async function getOrLease(
  client: Redis | Cluster,
  support: GetOrLeaseSupport,
  key: string,
  token: string,
  ttlSeconds: number,
): Promise<LeasedRead> {
  if (!support.unsupported) {
    try {
      const value = await client.set(key, token, 'EX', ttlSeconds, 'NX', 'GET');
      return value === null || value === token ? { value: null, placed: true } : { value, placed: false };
    } catch (error) {
      if (!(error instanceof Error && /\bsyntax error\b/i.test(error.message))) throw error;
      support.unsupported = true;
    }
  }
  return { value: await client.get(key), placed: false };
}
