/**
 * @cachedrepo/prisma: plain repositories over Prisma for `@cachedrepo/core`, with writes that
 * record their cache invalidation in an outbox table in the same transaction.
 */
export { PrismaRepository, type ModelDelegate, type PrismaClientLike, type RowMapper } from './prisma-repository';
export { PrismaOutbox, recordInvalidation, type OutboxModel } from './prisma-outbox';
export { isRecordNotFound, orderByIds, distinctIds, ifDefined, byCreation, type OrderBy } from './prisma-helpers';
