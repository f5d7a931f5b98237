/**
 * State that belongs to one connection object (an ioredis `Redis` or `Cluster`), kept on that
 * object rather than in a module: it lives and dies with the connection, and only the
 * CacheServices given that very connection see it. Used for what is a fact of the connection:
 * the secrets it was created with (redis-client.ts) and the client tracking its invalidations are
 * redirected to (a connection can redirect to one subscriber only: client-tracking.ts,
 * cluster-tracking.ts).
 *
 * Each fact has its own `Symbol`, private to the module that owns the fact; the property is not
 * enumerable, so it shows neither in `Object.keys` nor in a logged or inspected client.
 */
export interface ConnectionFact<Value> {
  get(connection: object): Value | undefined;
  /** Sets the fact, or removes it with `undefined`. */
  set(connection: object, value: Value | undefined): void;
}

/** A fact named `description` (shown in debuggers only). */
export function connectionFact<Value>(description: string): ConnectionFact<Value> {
  const key = Symbol(description);
  return {
    get: (connection) => (connection as Record<symbol, Value | undefined>)[key],
    set: (connection, value) => {
      if (value === undefined) delete (connection as Record<symbol, Value | undefined>)[key];
      else Object.defineProperty(connection, key, { value, configurable: true, writable: true, enumerable: false });
    },
  };
}
