/**
 * cachedrepo/tsyringe: one token per repository on a tsyringe container, resolving to the cached or
 * the plain repository as configuration says (REDIS_CACHE.md, "Architecture"). tsyringe is an
 * optional peer dependency: only this subpath needs it.
 */
export {
  registerRepositories,
  repositoryRegistration,
  type RepositoryRegistration,
  type AnyRepositoryRegistration,
} from './container';
