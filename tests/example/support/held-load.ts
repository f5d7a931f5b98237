/**
 * Held loads: a repository wrapper whose `findById` of an armed id reads the database and
 * then waits for the test to let it return. The value it returns is fixed when `loaded`
 * resolves, so a write made while it is held is a write the load cannot have seen: exactly
 * the slow read of the "stale set" race, with the test choosing when the read finishes.
 * Nothing is faked: every call reaches the wrapped repository.
 */

/** One armed `findById`. */
export interface HeldLoad {
  /** Resolves once the held call has read the database; it will return that value. */
  readonly loaded: Promise<void>;
  /** Lets the held call return what it read. */
  release(): void;
}

/** A repository with held loads, and the controls of its holds. */
export interface HoldingRepository<R> {
  /** Use this as the base repository of the cached repository under test. */
  readonly repository: R;
  /** Holds the next `findById(id)` (later calls of the id pass straight through). */
  holdNextLoad(id: string): HeldLoad;
  /** How many times `findById(id)` reached the database. */
  loadsOf(id: string): number;
}

type FindById = (id: string) => Promise<unknown>;

/**
 * Wraps `base` (e.g. a `PrismaHeroRepository`). Every method other than `findById` is passed
 * through unchanged, so the wrapper keeps the base's interface, including
 * `updateReturningBeforeImage`, which a cached repository requires of its base.
 */
export function withHeldLoads<R extends { findById: FindById }>(base: R): HoldingRepository<R> {
  const armed = new Map<string, { gate: Promise<void>; loaded: () => void }>();
  const loads = new Map<string, number>();

  const heldFindById = async (id: string): Promise<unknown> => {
    loads.set(id, (loads.get(id) ?? 0) + 1);
    const hold = armed.get(id);
    armed.delete(id);
    const value = await base.findById(id);
    if (hold) {
      hold.loaded();
      await hold.gate;
    }
    return value;
  };

  const repository = new Proxy(base, {
    get(target, property, receiver) {
      if (property === 'findById') return heldFindById;
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => (value as (...a: unknown[]) => unknown).apply(target, args);
    },
  });

  return {
    repository,
    holdNextLoad(id) {
      let release!: () => void;
      let loaded!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const loadedPromise = new Promise<void>((resolve) => (loaded = resolve));
      armed.set(id, { gate, loaded });
      return { loaded: loadedPromise, release };
    },
    loadsOf: (id) => loads.get(id) ?? 0,
  };
}
