import type { Redis } from 'ioredis';
import { inspectEntry } from 'cachedrepo/testing';
import type { Serializer } from 'cachedrepo';
import { Language, type Hero } from '../../../example/domain';
import type { HeroRepository } from '../../../example/repositories';
import { heroKeys } from '../../../example/strategies/key-schemas';
import { sameValue } from './same-value';

/** The hero query a cache key (unprefixed) holds the answer of, checked by rebuilding the key. */
function queryOfKey(key: string, repository: HeroRepository): (() => Promise<Hero | Hero[] | null>) | null {
  const parts = key.split(':');
  const value = decodeURIComponent(parts[2] ?? parts[1] ?? '');
  if (key === heroKeys.all()) return () => repository.findAll();
  if (parts[1] === 'lang' && heroKeys.byLanguage({ language: value }) === key) {
    const language = Object.values(Language).find((candidate) => candidate === value);
    return language ? () => repository.findByLanguage(language) : null;
  }
  if (parts[1] === 'name' && heroKeys.byName({ name: value }) === key) return () => repository.findByName(value);
  if (parts.length === 2 && heroKeys.byId({ id: value }) === key) return () => repository.findById(value);
  return null;
}

/**
 * Checks every live hero entry in Redis (`<prefix>:<hero namespace>:*`, leases skipped)
 * against the database: each must decode, with the strategy's serializer, to exactly what
 * the plain repository returns for that key's query now. Run it when no operation is in flight.
 * @returns how many entries were compared, and a description of each mismatch
 */
export async function auditHeroCache(
  redis: Redis,
  prefix: string,
  serializer: Serializer,
  repository: HeroRepository,
): Promise<{ checked: number; mismatches: string[] }> {
  const mismatches: string[] = [];
  let checked = 0;
  const fullKeys = await redis.keys(`${prefix}:${heroKeys.$namespace}:*`);
  for (const fullKey of fullKeys.sort()) {
    const raw = await redis.get(fullKey);
    const key = fullKey.slice(prefix.length + 1);
    if (raw === null) continue;
    const query = queryOfKey(key, repository);
    if (!query) {
      mismatches.push(`${fullKey}: not a key of the hero schema`);
      continue;
    }
    checked += 1;
    let cached: unknown;
    try {
      const entry = inspectEntry(key, raw, serializer);
      if (entry.kind === 'lease') {
        checked -= 1;
        continue;
      }
      if (entry.kind === 'foreign') throw new Error('entry does not name its key');
      cached = entry.value;
    } catch (error) {
      mismatches.push(`${fullKey}: does not decode (${(error as Error).message})`);
      continue;
    }
    const current = await query();
    if (!sameValue(cached, current))
      mismatches.push(`${fullKey}: cached ${JSON.stringify(cached)}, database ${JSON.stringify(current)}`);
  }
  return { checked, mismatches };
}
