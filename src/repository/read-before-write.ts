import type { AnyEntity, EntityChanges, IdOf } from './entity';
import type { BeforeImageRepository, EntityChange, Repository } from './repository';

/** The entity type of a repository type, e.g. `Book` for a `BookRepository`. */
export type EntityOf<R> = R extends { findById(id: never): Promise<infer T | null> }
  ? T extends AnyEntity
    ? T
    : never
  : never;

/**
 * Adapts a base repository that cannot read the before-image in its update's own transaction (a
 * remote API, a store without transactions), so that a cached repository accepts it. Its
 * `updateReturningBeforeImage` calls `base.findById(id)`, then `base.update(id, changes)`: two
 * operations, with nothing keeping another writer out between them. Choose it explicitly and
 * knowing its bound; a base that can read in the write's transaction implements
 * {@link BeforeImageRepository} instead.
 *
 * Bound: when another write of the same entity commits between the read and the update, the
 * before-image returned is the state before that other write, not the state this update
 * replaced. The cached repository invalidates the keys of the state read and of the state
 * written, so what it misses are the query keys that only the other write's state occupied.
 * Example: the other writer moves a book from author A to B, this update (which read A) moves it
 * to C; `book:author:B` is not invalidated by this update. If a read loaded that key after the
 * other writer's invalidation and before this update committed, it cached the book under B, and
 * that entry is served until it expires: at most the TTL of that query's policy in the strategy
 * (the strategy's `ttlSeconds` unless the query sets its own). The entity key, the
 * `alwaysAffected` keys and every key of the read and the written state are invalidated as
 * usual, and without a write in between it invalidates exactly what a transactional base does.
 * If the entity did not exist at the read and the update still succeeds (it was created in
 * between), the after-image stands for the before-image, with the same bound.
 *
 * `delete` is `base.delete`, which must return the entity as the delete removed it. Every other
 * member is `base`'s own: the result is a Proxy of `base` whose methods run bound to `base`
 * (so `#private` fields and `instanceof` work).
 */
export function readBeforeWrite<B extends Repository<EntityOf<B>>>(base: B): B & BeforeImageRepository<EntityOf<B>> {
  type T = EntityOf<B>;
  const updateReturningBeforeImage = async (id: IdOf<T>, changes: EntityChanges<T>): Promise<EntityChange<T>> => {
    const before = await base.findById(id);
    const after = await base.update(id, changes);
    return { before: before ?? after, after };
  };
  // One bound copy per method, so a method read twice is the same function.
  const bound = new WeakMap<object, unknown>();
  return new Proxy(base, {
    get(target, property) {
      if (property === 'updateReturningBeforeImage') return updateReturningBeforeImage;
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (!bound.has(value)) bound.set(value, (value as (...args: unknown[]) => unknown).bind(target));
      return bound.get(value);
    },
    has: (target, property) => property === 'updateReturningBeforeImage' || Reflect.has(target, property),
  }) as B & BeforeImageRepository<T>;
}
