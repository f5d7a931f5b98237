import { CacheService } from '@cachedrepo/core';
import { CachedRepository } from '@cachedrepo/core';
import { Gender, Language, type Hero } from '@cachedrepo/example-app';
import { PrismaOutbox } from '@cachedrepo/prisma';
import { PrismaHeroRepository } from '@cachedrepo/example-app';
import type { HeroRepository } from '@cachedrepo/example-app';
import { heroCacheStrategy, heroKeys } from '@cachedrepo/example-app';
import { benchLogger, startBenchEnvironment } from './support/environment';
import { printTable, summarize, timeMicros } from './support/stats';

const ROUNDS = 20;
const PER_ROUND = 150;

/**
 * What the invalidation protocol costs off the hit path, interleaved in rounds so that drift
 * hits every contender alike:
 * - update: plain Prisma update; cached update without the outbox (before-state read and
 *   update in one transaction, then one UNLINK); cached update with the outbox (the same
 *   transaction plus one INSERT into CacheOutbox);
 * - miss: plain Prisma findById; a cached miss (GET, lease, load, conditional store: 3 round
 *   trips); and the previous protocol's miss emulated with the same client (GET, load, one
 *   conditional store: 2 round trips), so the lease's price is visible.
 */
export async function writeAndMiss(): Promise<void> {
  const env = await startBenchEnvironment({ fastDatabase: true });
  const outboxCache = new CacheService(env.redis, { logger: benchLogger, outbox: new PrismaOutbox(env.prisma), keyPrefix: 'outbox' });
  try {
    if (!(await outboxCache.waitUntilReady(5000))) throw new Error('bench: outbox cache not ready');
    const plain = new PrismaHeroRepository(env.prisma);
    const strategy = heroCacheStrategy();
    const cached = CachedRepository.wrap<Hero, HeroRepository>(plain, strategy, env.cache);
    const withOutbox = CachedRepository.wrap<Hero, HeroRepository>(plain, strategy, outboxCache);
    const hero = await plain.save({ name: 'Atalanta', language: Language.Greek, gender: Gender.Female, description: 'x'.repeat(300) });
    const key = heroKeys.byId({ id: hero.id });
    const fullKey = env.cache.fullKey(key);
    let n = 0;
    const updates: Record<string, () => Promise<unknown>> = {
      'plain Prisma update': () => plain.update(hero.id, { description: `p${(n += 1)}` }),
      'cached update, no outbox': () => cached.update(hero.id, { description: `c${(n += 1)}` }),
      'cached update + outbox': () => withOutbox.update(hero.id, { description: `o${(n += 1)}` }),
    };
    const misses: Record<string, () => Promise<unknown>> = {
      'plain Prisma findById': () => plain.findById(hero.id),
      'cached miss (lease: 3 round trips)': async () => {
        await env.redis.unlink(fullKey);
        return cached.findById(hero.id);
      },
      'previous protocol miss (2 round trips)': async () => {
        await env.redis.unlink(fullKey);
        const seen = (await env.redis.get(fullKey)) ?? '';
        const value = await plain.findById(hero.id);
        return env.redis.eval(PREVIOUS_STORE_LUA, 1, fullKey, seen, strategy.serializer.serialize(value), 3600);
      },
    };
    // The UNLINK of the emulated misses is a round trip too: time it alone and subtract.
    const unlinkOnly = async (): Promise<void> => void (await env.redis.unlink(fullKey));
    const samples = new Map<string, number[]>();
    const all: Record<string, () => Promise<unknown>> = { ...updates, ...misses, 'UNLINK alone (subtracted above)': unlinkOnly };
    const names = Object.keys(all);
    for (let round = 0; round < ROUNDS; round += 1) {
      // Rotate the start so no contender always runs first.
      for (let i = 0; i < names.length; i += 1) {
        const name = names[(round + i) % names.length] as string;
        const call = all[name] as () => Promise<unknown>;
        const list = samples.get(name) ?? [];
        for (let j = 0; j < PER_ROUND; j += 1) list.push(await timeMicros(call));
        if (round > 0) samples.set(name, list); // round 0 is the warm-up
        else samples.set(name, []);
      }
    }
    const unlink = summarize(samples.get('UNLINK alone (subtracted above)') ?? []).median;
    const rows = names.map((name) => {
      const summary = summarize(samples.get(name) ?? []);
      const adjust = name in misses && name !== 'plain Prisma findById' ? unlink : 0;
      return [name, summary.median - adjust, summary.p95 - adjust];
    });
    const plainUpdate = summarize(samples.get('plain Prisma update') ?? []).median;
    const plainRead = summarize(samples.get('plain Prisma findById') ?? []).median;
    printTable(`writes and misses (microseconds, ${(ROUNDS - 1) * PER_ROUND} runs each, interleaved; SQLite WAL without fsync)`, ['path', 'median', 'p95', 'x plain'], rows.map((row) => [...row, (row[1] as number) / ((row[0] as string).includes('update') ? plainUpdate : plainRead)]));
    const outboxRows = await env.prisma.cacheOutbox.count();
    console.log(`outbox rows left after the run (delivered rows are removed): ${outboxRows}`);
  } finally {
    await outboxCache.close();
    await env.dispose();
  }
}

/** The conditional store of the protocol before leases: store if the key still holds what the miss saw. */
const PREVIOUS_STORE_LUA = `
local current = redis.call('GET', KEYS[1])
if current == false then current = '' end
if current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
`;
