/**
 * cachedrepo/prisma: plain repositories over Prisma for `cachedrepo`, with writes that
 * record their cache invalidation in an outbox table in the same transaction.
 */
export {
  PrismaRepository,
  type ModelDelegate,
  type PrismaClientLike,
  type RowMapper,
  type TransactionOptions,
} from './prisma-repository';
export type { RawSqlClient } from './raw-sql';
export {
  definePrismaRepository,
  type DefinedPrismaRepository,
  type PrismaFinderQuery,
  type PrismaRepositoryDefinition,
  type WhereOf,
} from './define-repository';
export type { PrismaIdOptions, PrismaIdArguments, WhereUnique } from './prisma-ids';
export { retryOnWriteConflict, isWriteConflict } from './write-conflicts';
export { PrismaOutbox, recordInvalidation, type OutboxModel } from './prisma-outbox';
export {
  isRecordNotFound,
  orderByIds,
  distinctIds,
  ifDefined,
  byCreation,
  type OrderBy,
  type IdText,
} from './prisma-helpers';
