import type { Hero, Language } from '../../../example/domain';
import { sameValue } from './same-value';
import { versionOf, type LogSnapshot, type WriteLog } from './write-log';

/** A read of the hero repository, as the randomized test issues it. */
export type HeroQuery =
  | { kind: 'findById'; id: string }
  | { kind: 'findByIds'; ids: string[] }
  | { kind: 'findAll' }
  | { kind: 'findByLanguage'; language: Language }
  | { kind: 'findByName'; name: string };

/** One completed read: what it asked, which repository answered, the write log around it, and the answer. */
export interface ReadObservation {
  query: HeroQuery;
  instance: number;
  /** Snapshot taken synchronously before the read was called. */
  start: LogSnapshot;
  /** Snapshot taken synchronously when the read's promise settled. */
  end: LogSnapshot;
  result: Hero | Hero[] | null;
}

const byCreation = (a: Hero, b: Hero): number =>
  a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Checks one read against the consistency guarantee (REDIS_CACHE.md, section 4), per hero: every hero in the answer
 * must be
 * exactly the state some write left it in (no mixture, same types), of a version at least the
 * last one completed when the read started (never older than a write that returned before the
 * read began) and at most the last one issued when it ended. A hero missing from a list must
 * have been outside that list in some version of that window. Call it after every write has
 * completed, so that every state is known.
 * @returns human-readable violations, empty when the read was fresh
 */
export function freshnessViolations(log: WriteLog, observation: ReadObservation): string[] {
  const { query, start, end, result } = observation;
  const violations: string[] = [];
  const label = `${JSON.stringify(query)} on instance ${observation.instance}`;
  const window = (id: string): [number, number] => [start.completed.get(id) ?? 0, end.issued.get(id) ?? 0];

  const checkHero = (hero: Hero): void => {
    const [low, high] = window(hero.id);
    const version = versionOf(hero);
    if (version < low)
      violations.push(
        `${label}: hero ${hero.id} is v${version}, but v${low} had completed before the read started (stale)`,
      );
    else if (version > high)
      violations.push(`${label}: hero ${hero.id} is v${version}, never written by the time the read ended`);
    else if (!sameValue(hero, log.state(hero.id, version))) {
      violations.push(
        `${label}: hero ${hero.id} v${version} differs from what write ${version} stored: ` +
          `${JSON.stringify(hero)} vs ${JSON.stringify(log.state(hero.id, version))}`,
      );
    }
  };
  const checkIds = (heroes: Hero[], expected: string[]): void => {
    const ids = heroes.map((hero) => hero.id);
    if (!sameValue(ids, expected))
      violations.push(`${label}: ids ${JSON.stringify(ids)}, expected ${JSON.stringify(expected)}`);
  };
  const checkFiltered = (heroes: Hero[], holds: (hero: Hero) => boolean): void => {
    heroes.forEach(checkHero);
    for (const hero of heroes)
      if (!holds(hero))
        violations.push(`${label}: hero ${hero.id} does not belong in this list: ${JSON.stringify(hero)}`);
    checkIds(
      heroes,
      [...heroes].sort(byCreation).map((hero) => hero.id),
    );
    const present = new Set(heroes.map((hero) => hero.id));
    for (const id of log.ids) {
      if (present.has(id)) continue;
      const [low, high] = window(id);
      const versions = Array.from({ length: high - low + 1 }, (_, offset) => log.state(id, low + offset));
      if (versions.every((state) => state && holds(state))) {
        violations.push(
          `${label}: hero ${id} is missing, but every version from v${low} (completed before the ` +
            `start) to v${high} belongs in the list (stale)`,
        );
      }
    }
  };

  const known = new Set(log.ids);
  const list = (value: typeof result): Hero[] => (Array.isArray(value) ? value : []);
  switch (query.kind) {
    case 'findById':
      if (!known.has(query.id)) {
        if (result !== null) violations.push(`${label}: expected null for an absent id, got ${JSON.stringify(result)}`);
      } else if (result === null || Array.isArray(result))
        violations.push(`${label}: expected a hero, got ${JSON.stringify(result)}`);
      else {
        if (result.id !== query.id) violations.push(`${label}: got hero ${result.id}`);
        checkHero(result);
      }
      break;
    case 'findByIds':
      checkIds(
        list(result),
        [...new Set(query.ids)].filter((id) => known.has(id)),
      );
      list(result).forEach(checkHero);
      break;
    case 'findAll': {
      const all = log.ids.map((id) => log.state(id, 0) as Hero).sort(byCreation);
      checkIds(
        list(result),
        all.map((hero) => hero.id),
      );
      list(result).forEach(checkHero);
      break;
    }
    case 'findByLanguage':
      checkFiltered(list(result), (hero) => hero.language === query.language);
      break;
    case 'findByName':
      checkFiltered(list(result), (hero) => hero.name === query.name);
      break;
  }
  return violations;
}
