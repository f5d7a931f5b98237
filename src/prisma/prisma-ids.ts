import { checkId, stringId, type IdCodec, type IdScalar } from '../ids/index';

/**
 * How a Prisma model's primary key is the entity's id. A scalar id (`String`, `Int`, `BigInt`) is the model's `id`
 * field: `where: { id }`. A composite id (`@@id([userId, articleId])`) is its fields, under Prisma's compound unique
 * name (`userId_articleId` unless the schema names it: `@@id(name: "membershipKey", [userId, articleId])`):
 * `where: { userId_articleId: { userId, articleId } }`.
 */
export interface PrismaIdOptions<Id> {
  /** The id type: the same as the entity's strategy declares (`intId()`, `bigIntId()`, `compositeId({ ... })`). */
  id: IdCodec<Id>;
  /** A composite id's compound unique name in the Prisma schema. @default its fields joined with `_` */
  compoundName?: string;
}

/**
 * The last constructor argument of `PrismaRepository`: optional for a string id (`stringId()`), required for any
 * other id type, so that a number, bigint or composite id without it fails to compile.
 */
export type PrismaIdArguments<Id> = [Id] extends [string]
  ? [options?: PrismaIdOptions<Id>]
  : [options: PrismaIdOptions<Id>];

/** The `where` of one row by its id: `{ id }` for a scalar id; a composite id's compound unique input. */
export type WhereUnique<Id> = [Id] extends [IdScalar] ? { id: Id } : { readonly [compound: string]: unknown };

/** Builds the `where` clauses of a model's ids and checks the ids a repository is given. */
export class PrismaIds<Id> {
  readonly codec: IdCodec<Id>;
  /** True for a scalar id in the `id` column: the raw SQL of the write path binds it (`WHERE "id" = ?`). */
  readonly scalar: boolean;
  readonly #compound: string;

  constructor(options: PrismaIdOptions<Id> | undefined) {
    this.codec = options?.id ?? (stringId() as IdCodec<Id>);
    this.scalar = this.codec.kind !== 'composite';
    this.#compound = options?.compoundName ?? this.codec.fields.join('_');
  }

  /**
   * `id` when it is an id of the model's type.
   * @throws {InvalidIdError} naming `entityType`, the id and the ids expected
   */
  check(entityType: string, id: unknown): Id {
    return checkId(this.codec, entityType, id);
  }

  /** `where` of the row of `id`. */
  where(id: Id): WhereUnique<Id> {
    return (this.scalar ? { id } : { [this.#compound]: this.#fields(id) }) as WhereUnique<Id>;
  }

  /** `where` of the rows of `ids` (at least one): `id IN (...)`, or one OR branch per composite id. */
  whereAny(ids: readonly Id[]): object {
    return this.scalar ? { id: { in: ids } } : { OR: ids.map((id) => this.#fields(id)) };
  }

  /** The fields of a composite id in their declared order (a copy: Prisma never gets the caller's object). */
  #fields(id: Id): Record<string, unknown> {
    return Object.fromEntries(this.codec.fields.map((name) => [name, (id as Record<string, unknown>)[name]]));
  }
}
