/**
 * Wraps a repository (a real one) and counts calls per method, to assert how often a read
 * reached the database. Nothing is faked: every call goes to the wrapped object.
 */
export function countCalls<R extends object>(
  target: R,
): { repository: R; calls: Record<string, number>; reset(): void } {
  const calls: Record<string, number> = {};
  const repository = new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]) => {
        calls[property] = (calls[property] ?? 0) + 1;
        return (value as (...a: unknown[]) => unknown).apply(object, args);
      };
    },
  });
  return { repository, calls, reset: () => Object.keys(calls).forEach((key) => delete calls[key]) };
}

/** A gate a test opens by hand, to pause a load at a chosen point. */
export function gate(): { wait: Promise<void>; open(): void } {
  let open = (): void => undefined;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}
