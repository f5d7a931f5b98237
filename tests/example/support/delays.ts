import type { Random } from './random';

/**
 * Waits a random 0-`maxMs` ms: a third of the time not at all (the continuation runs in the same
 * turn), a third of the time one macrotask (`setImmediate`), else a timer of 1-`maxMs` ms.
 * The mix lets operations overtake each other at every await point.
 */
export function randomPause(random: Random, maxMs: number): Promise<void> {
  const roll = random.next();
  if (roll < 1 / 3) return Promise.resolve();
  if (roll < 2 / 3) return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => setTimeout(resolve, random.int(1, maxMs)));
}

/**
 * Wraps a repository (a real one) so that each method call waits a random pause before it
 * reaches the database and another before its result is handed back: a slow, jittery
 * database, driven by `random`. Nothing is faked: every call goes to the wrapped object.
 * @param maxMs longest single pause in milliseconds
 */
export function withRandomDelays<R extends object>(target: R, random: Random, maxMs: number): R {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return async (...args: unknown[]) => {
        await randomPause(random, maxMs);
        const result: unknown = await (value as (...a: unknown[]) => unknown).apply(object, args);
        await randomPause(random, maxMs);
        return result;
      };
    },
  });
}
