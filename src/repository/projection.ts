import type { AnyEntity, IdOf } from './entity';
import type { EntityChange } from './repository';

/**
 * Projection: fields a strategy keeps out of the cache (a password hash, a large blob). They never reach Redis or the
 * near cache, and a cached repository returns no entity with them, from any method, so a read served from the cache
 * and one served by the database look the same. The types say so: a cached repository's entities are
 * `Projection<T, O>`, and the compiler tells a caller that a cached read has no `passwordHash`. The plain repository
 * still returns them (read a secret, e.g. to check a password, from the plain repository).
 */

/** The fields of `T` a strategy may keep out of the cache: any but `id`. */
export type OmittableField<T> = Exclude<keyof T & string, 'id'>;

/** An entity as a cached repository returns it: `T` without the fields `O` (`T` itself when `O` is `never`). */
export type Projection<T, O extends PropertyKey> = [O] extends [never] ? T : Omit<T, O> & Pick<T, 'id' & keyof T>;

/**
 * A value a cached repository's method returns, with `O` left out of every entity in it: an object with an `id`, or
 * an array of them (a list query); anything else is returned as is.
 */
export type WithoutFields<V, O extends PropertyKey> = [O] extends [never]
  ? V
  : V extends readonly (infer E)[]
    ? EntityWithout<E, O>[]
    : EntityWithout<V, O>;

/** `V` without the fields `O` when it is an entity (an object with an `id`), else `V`. */
type EntityWithout<V, O extends PropertyKey> = V extends { readonly id: unknown } ? Omit<V, O> : V;

/** The member `K` of a repository `R` as a cached repository with the projection `O` offers it. */
type ProjectedMember<R, K extends keyof R, O extends PropertyKey> = R[K] extends (...args: infer A) => Promise<infer V>
  ? K extends 'updateReturningBeforeImage'
    ? (...args: A) => Promise<V extends EntityChange<infer E> ? EntityChange<Projection<E, O>> : V>
    : (...args: A) => Promise<WithoutFields<V, O>>
  : R[K];

/**
 * The interface of a repository `R` cached with the projection `O`: every method returns its entities without the
 * fields `O` (see {@link WithoutFields}); `R` itself when `O` is `never`.
 */
export type ProjectedRepository<R, O extends PropertyKey> = [O] extends [never]
  ? R
  : { [K in keyof R]: ProjectedMember<R, K, O> };

/** Leaves the fields `omitted` out of the entities of a value, as {@link WithoutFields} says; never changes `value`. */
export type Projector = <V>(value: V) => V;

/** Returned by {@link projectorOf} when nothing is omitted. */
const IDENTITY: Projector = (value) => value;

/**
 * The projector of a strategy's `omitted` fields: a copy of each entity that has any of them (same prototype, own
 * enumerable fields but those), the value itself otherwise.
 */
export function projectorOf(omitted: readonly string[]): Projector {
  if (omitted.length === 0) return IDENTITY;
  const strip = (entity: object): object => {
    if (!omitted.some((field) => Object.prototype.hasOwnProperty.call(entity, field))) return entity;
    const copy = Object.assign(Object.create(Object.getPrototypeOf(entity) as object | null) as object, entity);
    for (const field of omitted) delete (copy as Record<string, unknown>)[field];
    return copy;
  };
  const project = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map((item) => (isEntity(item) ? strip(item) : item));
    return isEntity(value) ? strip(value) : value;
  };
  return project as Projector;
}

/** The change with both states projected. */
export function projectChange<T extends AnyEntity>(project: Projector, change: EntityChange<T>): EntityChange<T> {
  return project === IDENTITY ? change : { before: project(change.before), after: project(change.after) };
}

function isEntity(value: unknown): value is { id: IdOf<AnyEntity> } {
  return typeof value === 'object' && value !== null && Object.prototype.hasOwnProperty.call(value, 'id');
}

/**
 * `base` with every method's result projected (see {@link projectorOf}): what a cached repository with the projection
 * returns, served without the cache, so that callers of a registration cannot tell a cached repository from an
 * uncached one by the fields they get. `base` itself when nothing is omitted. A Proxy whose methods run bound to
 * `base`.
 */
export function projectingRepository<R extends object, O extends PropertyKey>(
  base: R,
  omitted: readonly O[],
): ProjectedRepository<R, O> {
  if (omitted.length === 0) return base as ProjectedRepository<R, O>;
  const project = projectorOf(omitted as readonly PropertyKey[] as readonly string[]);
  // One wrapper per method, so a method read twice is the same function.
  const wrapped = new WeakMap<object, unknown>();
  return new Proxy(base, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (!wrapped.has(value)) {
        const method = value as (...args: unknown[]) => unknown;
        const changes = property === 'updateReturningBeforeImage';
        wrapped.set(value, (...args: unknown[]) => {
          const result = method.apply(target, args);
          if (!(result instanceof Promise)) return result;
          return result.then((resolved: unknown) =>
            changes ? projectChange(project, resolved as EntityChange<AnyEntity>) : project(resolved),
          );
        });
      }
      return wrapped.get(value);
    },
  }) as unknown as ProjectedRepository<R, O>;
}
