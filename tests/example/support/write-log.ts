import type { Hero } from '../../../example/domain';

/** The version a hero's description carries: `v<N>`. */
export const versionDescription = (version: number): string => `v${version}`;

/**
 * The version in a hero's description.
 * @throws {Error} when the description is not `v<N>`
 */
export function versionOf(hero: Hero): number {
  const match = /^v(\d+)$/.exec(hero.description ?? '');
  if (!match) throw new Error(`hero ${hero.id} has no version in its description: ${JSON.stringify(hero.description)}`);
  return Number(match[1]);
}

/** Per hero: the last version whose write had completed, and the last version issued to a writer. */
export interface LogSnapshot {
  completed: ReadonlyMap<string, number>;
  issued: ReadonlyMap<string, number>;
}

/**
 * The history of writes per hero, for linearizability-style checks. Writers of one hero must be
 * serialized (see KeyedMutex) so that versions commit in the order they are issued: version N
 * is the hero's state from the moment write N commits until write N+1 commits.
 */
export class WriteLog {
  private readonly completed = new Map<string, number>();
  private readonly issued = new Map<string, number>();
  private readonly states = new Map<string, Hero[]>();

  /** Records a hero as it was created, as version 0. */
  constructor(initial: readonly Hero[]) {
    for (const hero of initial) {
      if (versionOf(hero) !== 0) throw new Error(`initial hero ${hero.id} must carry v0`);
      this.completed.set(hero.id, 0);
      this.issued.set(hero.id, 0);
      this.states.set(hero.id, [hero]);
    }
  }

  /** The next version of `id`, for a write about to start. */
  begin(id: string): number {
    const version = (this.issued.get(id) ?? 0) + 1;
    this.issued.set(id, version);
    return version;
  }

  /** Records that the write of `version` returned `after`. */
  complete(id: string, version: number, after: Hero): void {
    const states = this.states.get(id);
    if (!states || states.length !== version) throw new Error(`write ${version} of ${id} completed out of order`);
    states.push(after);
    this.completed.set(id, version);
  }

  /** A copy of the counters now (call it synchronously when an operation starts or ends). */
  snapshot(): LogSnapshot {
    return { completed: new Map(this.completed), issued: new Map(this.issued) };
  }

  /** The hero as version `version` of its write left it (after every write has completed). */
  state(id: string, version: number): Hero | undefined {
    return this.states.get(id)?.[version];
  }

  /** Ids of every hero in the log. */
  get ids(): string[] {
    return [...this.states.keys()];
  }
}
