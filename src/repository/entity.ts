import type { EntityId, IdScalar } from './id-codec';

/**
 * Anything a repository stores, identified by its `id`: a string by default, or a number (Prisma `Int`), a bigint
 * (`BigInt`) or an object of those (a composite key), as `Entity<number>` or an entity type with such an `id`.
 * Generic: names no entity.
 */
export interface Entity<Id extends EntityId = string> {
  readonly id: Id;
}

/** An entity with an id of any supported type: the constraint of the library's generic types. */
export type AnyEntity = Entity<EntityId>;

/** The id type of an entity type: `IdOf<Hero>` is `string`. */
export type IdOf<T extends AnyEntity> = T['id'];

/**
 * Fields a caller supplies to create an entity: timestamps are set by the store; a scalar id is optional (the store
 * may generate it), a composite id is required (its fields are the row's own).
 */
export type NewEntity<T extends AnyEntity> = Omit<T, 'id' | 'createdAt' | 'updatedAt'> &
  ([IdOf<T>] extends [IdScalar] ? { id?: IdOf<T> } : { id: IdOf<T> });

/** Fields a caller may change on update. */
export type EntityChanges<T extends AnyEntity> = Partial<Omit<T, 'id' | 'createdAt' | 'updatedAt'>>;
