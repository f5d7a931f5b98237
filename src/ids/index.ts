/**
 * cachedrepo/ids: ids of every type Prisma allows for a primary key, and projections.
 * - id codecs, one per strategy (`ids` in `defineCacheStrategy`): `stringId` (the default), `intId`,
 *   `bigIntId`, `compositeId({ userId: 'int', articleId: 'int' })`; `checkId` refuses an id of the
 *   wrong type with `errors.InvalidIdError` before Redis or the database is asked;
 * - the types that name them (`IdOf<T>`, `AnyEntity`, `IdCodec`, ...);
 * - projections: fields a strategy keeps out of the cache (`omit`), and the types of what a cached
 *   read returns then (REDIS_CACHE.md, sections 2 and 8).
 */
export {
  stringId,
  intId,
  bigIntId,
  compositeId,
  checkId,
  distinctBy,
  type IdCodec,
  type IdScalar,
  type IdScalarKind,
  type IdScalarOf,
  type EntityId,
  type CompositeIdOf,
} from '../repository/id-codec';
export type { AnyEntity, IdOf } from '../repository/entity';
export type { RepositoryIdOf } from '../repository/cached-repository';
export type { OmittableField, Projection, ProjectedRepository, WithoutFields } from '../repository/projection';
