/** Anything a repository stores: identified by a string id. Generic: names no entity. */
export interface Entity {
  readonly id: string;
}

/** Fields a caller supplies to create an entity: the id is optional, timestamps are set by the store. */
export type NewEntity<T extends Entity> = Omit<T, 'id' | 'createdAt' | 'updatedAt'> & { id?: string };

/** Fields a caller may change on update. */
export type EntityChanges<T extends Entity> = Partial<Omit<T, 'id' | 'createdAt' | 'updatedAt'>>;
