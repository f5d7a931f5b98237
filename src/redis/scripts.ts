import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { LuaScript } from './store';

/** A Lua script and its SHA1, computed once. */
export function luaScript(lua: string): LuaScript {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/**
 * Runs `script` with EVALSHA, and with EVAL when the server has not cached it (NOSCRIPT: a
 * restart, SCRIPT FLUSH, a failover), as ioredis's own `defineCommand` does, without adding
 * commands to a client the application built (Redis docs, "Scripting with Lua": script cache).
 */
export async function runScript(
  redis: Pick<Redis, 'evalsha' | 'eval'>,
  script: LuaScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !/^NOSCRIPT\b/.test(error.message)) throw error;
    return redis.eval(script.lua, keys.length, ...keys, ...args);
  }
}
