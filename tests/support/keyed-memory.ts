import { EntityNotFoundError } from '../../src/errors';
import { type AnyEntity, type IdOf } from '../../src/repository/entity';
import { type BeforeImageRepository, type EntityChange, type EntityChanges, type NewEntity } from 'cachedrepo';
import { type IdCodec } from '../../src/repository/id-codec';

/**
 * A plain repository in memory for entities with ids of any type, keyed by the id codec's text (a composite id is an
 * object: two equal ids are two objects). Every call returns copies, and counts calls per method. A write reads and
 * changes a row with no `await` in between: in memory, that is its transaction.
 */
export class KeyedMemoryRepository<T extends AnyEntity> implements BeforeImageRepository<T> {
  readonly rows = new Map<string, T>();
  readonly calls: Record<string, number> = {};

  constructor(
    private readonly ids: IdCodec<IdOf<T>>,
    /** The id of a new entity saved without one (a scalar id the store generates). */
    private readonly nextId: () => IdOf<T> = () => {
      throw new Error('give the id');
    },
  ) {}

  protected count(method: string): void {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
  }

  /** A copy one level deep (Dates and a composite id's object copied too): no caller shares a stored row. */
  protected copy(entity: T): T {
    const copyOf = (value: unknown): unknown =>
      value instanceof Date ? new Date(value) : typeof value === 'object' && value !== null ? { ...value } : value;
    return Object.fromEntries(Object.entries(entity).map(([name, value]) => [name, copyOf(value)])) as unknown as T;
  }

  async findById(id: IdOf<T>): Promise<T | null> {
    this.count('findById');
    const row = this.rows.get(this.ids.text(id));
    return row ? this.copy(row) : null;
  }

  async findByIds(ids: readonly IdOf<T>[]): Promise<T[]> {
    this.count('findByIds');
    const texts = [...new Set(ids.map((id) => this.ids.text(id)))];
    return texts.flatMap((text) => {
      const row = this.rows.get(text);
      return row ? [this.copy(row)] : [];
    });
  }

  async findAll(): Promise<T[]> {
    this.count('findAll');
    return [...this.rows.values()].map((row) => this.copy(row));
  }

  async save(input: NewEntity<T>): Promise<T> {
    this.count('save');
    const entity = { ...input, id: input.id ?? this.nextId() } as unknown as T;
    const text = this.ids.text(entity.id);
    if (this.rows.has(text)) throw new Error(`id ${text} exists`);
    this.rows.set(text, this.copy(entity));
    return this.copy(entity);
  }

  async update(id: IdOf<T>, changes: EntityChanges<T>): Promise<T> {
    return (await this.updateReturningBeforeImage(id, changes)).after;
  }

  async updateReturningBeforeImage(id: IdOf<T>, changes: EntityChanges<T>): Promise<EntityChange<T>> {
    this.count('update');
    const text = this.ids.text(id);
    const before = this.rows.get(text);
    if (!before) throw new EntityNotFoundError('entity', id);
    const after = { ...before, ...changes };
    this.rows.set(text, after);
    return { before: this.copy(before), after: this.copy(after) };
  }

  async delete(id: IdOf<T>): Promise<T | null> {
    this.count('delete');
    const text = this.ids.text(id);
    const row = this.rows.get(text) ?? null;
    this.rows.delete(text);
    return row && this.copy(row);
  }
}
