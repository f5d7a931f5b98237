/**
 * cachedrepo/settings: the cache's configuration from the environment, validated with zod once at
 * start (REDIS_CACHE.md, "Configuration"), and a CacheService built from it. A separate subpath so
 * that an application that configures the cache in code never loads zod's schemas.
 */
export {
  loadCacheSettings,
  cacheSettingsFrom,
  cacheEnvShape,
  parseEnv,
  envTypes,
  type CacheSettings,
} from './settings';
export { createCacheService, type CreateCacheServiceOptions } from './create-cache-service';
