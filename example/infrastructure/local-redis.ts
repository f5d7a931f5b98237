import { spawnSync } from 'node:child_process';
import { REDIS_SERVER_BINARY, startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';

/** Where the example's Redis comes from: the user's REDIS_URL, or a redis-server it started. */
export interface ExampleRedis {
  url: string;
  /** The server the example started and will stop, or null when REDIS_URL was given. */
  owned: RedisServerHandle | null;
}

/**
 * REDIS_URL when it is set; else a throwaway redis-server started on a free loopback port (no
 * persistence), which the caller stops. What it did is told through `log`, one line each.
 * @param who how the lines name the program, e.g. `the example`
 * @returns null when REDIS_URL is unset and no redis-server binary is found (`log` says how to get one)
 */
export async function provideRedis(who: string, log: (text: string) => void): Promise<ExampleRedis | null> {
  if (process.env.REDIS_URL) {
    log('Redis: using REDIS_URL from the environment.');
    return { url: process.env.REDIS_URL, owned: null };
  }
  if (spawnSync(REDIS_SERVER_BINARY, ['--version']).error) {
    log('No redis-server was found on this machine, and REDIS_URL is not set.');
    log('Install one (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis),');
    log('or point REDIS_URL at a running Redis.');
    return null;
  }
  const owned = await startRedisServer();
  log(
    `Redis: REDIS_URL is not set, so ${who} started its own redis-server on ${owned.url} ` +
      `(it is stopped at the end).`,
  );
  return { url: owned.url, owned };
}
