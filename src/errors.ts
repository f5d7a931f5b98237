/**
 * Every error the library throws, each with a stable `code` to match on (codes never change
 * between releases; messages may). Redis failures are never thrown: they become misses,
 * counters and log lines (REDIS_CACHE.md, section 5). What is thrown is a mistake to fix: a
 * bad key pattern, strategy, option or configuration, or an entity that does not exist.
 */

/** Base class of the library's errors. */
export abstract class CacheLibraryError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The base of an error class whose `code` is `code` (typed as that literal). */
function withCode<C extends string>(code: C) {
  return class extends CacheLibraryError {
    readonly code: C = code;
  };
}

/** A key pattern or key schema that cannot be built safely, or a key built without a value. */
export class KeyPatternError extends withCode('E_CACHE_KEY_PATTERN') {}

/**
 * A cache entry that cannot be decoded (not this serializer's, or a value object that fails validation). Read as a
 * miss, never thrown to callers of a repository.
 */
export class CorruptEntryError extends withCode('E_CACHE_CORRUPT_ENTRY') {}

/**
 * A strategy that cannot work: a TTL that is not a whole number of seconds, or a cached query the repository does not
 * have.
 */
export class StrategyError extends withCode('E_CACHE_STRATEGY') {}

/**
 * A base repository method named like the cached repository's own API (`invalidateCache`, `getCacheStats`), which it
 * would shadow.
 */
export class ApiCollisionError extends withCode('E_CACHE_API_COLLISION') {}

/**
 * A base repository that cannot give the cached repository what its writes need: an update that returns the state it
 * replaced (`BeforeImageRepository`), or, when the cache service has an invalidation outbox, writes that record in it
 * (`OutboxRecordingRepository`). Thrown when the cached repository is constructed; the message names the entity type
 * and what to do.
 */
export class WriteCapabilityError extends withCode('E_CACHE_WRITE_CAPABILITY') {}

/**
 * Options of a cache service or of outbox delivery that cannot work (an empty key prefix, a deliverer lease not longer
 * than the poll interval).
 */
export class CacheOptionsError extends withCode('E_CACHE_OPTIONS') {}

/**
 * The Redis client cannot be created: an unparseable URL or an unreadable CA file. The message never holds a password.
 */
export class RedisClientError extends withCode('E_CACHE_REDIS_CLIENT') {}

/** Invalid configuration. `problems` names each variable and what it expects; secrets are never echoed. */
export class ConfigError extends CacheLibraryError {
  readonly code = 'E_CONFIG_INVALID';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

/** `update` of an id that does not exist. */
export class EntityNotFoundError extends CacheLibraryError {
  readonly code = 'E_ENTITY_NOT_FOUND';
  constructor(
    readonly entityType: string,
    /** The id as the caller gave it: a string, a number, a bigint or a composite id's object. */
    readonly id: string | number | bigint | object,
  ) {
    super(`${entityType} ${formatId(id)} does not exist`);
  }
}

/**
 * An id a repository cannot take: of another type than the entity's ids (the string `"1"` for an Int id, as a URL
 * parameter is before it is parsed), or out of range (a fraction, an unsafe integer, a composite id with a field
 * missing or extra). Thrown before the cache or the database is asked; the message names the entity type, the id given
 * and the ids expected.
 */
export class InvalidIdError extends withCode('E_INVALID_ID') {}

/**
 * An id as messages show it: a string quoted (`"h1"`), a number as is (`7`), a bigint with its `n` (`7n`), a composite
 * id as its fields (`{ userId: 1, articleId: 2 }`), anything else by its type.
 */
export function formatId(id: unknown): string {
  switch (typeof id) {
    case 'string':
      return JSON.stringify(id.length > 60 ? `${id.slice(0, 60)}…` : id);
    case 'number':
    case 'boolean':
      return String(id);
    case 'bigint':
      return `${id}n`;
    case 'undefined':
      return 'undefined';
    case 'object': {
      if (id === null) return 'null';
      if (Array.isArray(id) || Object.getPrototypeOf(id) !== Object.prototype)
        return `a ${Object.prototype.toString.call(id).slice(8, -1)}`;
      const fields = Object.entries(id).map(([name, value]) => `${name}: ${formatId(value)}`);
      return `{ ${fields.join(', ')} }`;
    }
    default:
      return `a ${typeof id}`;
  }
}

/**
 * Change capture cannot run against this database as set up (`cachedrepo/capture`, REDIS_CACHE.md section 16).
 * `reason` says what to fix and never changes between releases: `wal-level` (PostgreSQL's `wal_level` is not
 * `logical`), `version` (PostgreSQL older than 14), `permission` (the role lacks REPLICATION, or a privilege the
 * capture needs), `replica-identity` (a captured table is not REPLICA IDENTITY FULL), `publication` (missing, not
 * covering a captured table, or not publishing every operation), `slot` (the replication slot is missing and may
 * not be created, is another plugin's or another database's, or cannot be created), `table` (a captured table does
 * not exist), `triggers` (SQLite's change table or triggers are missing or differ from the declaration).
 */
export class CaptureSetupError extends CacheLibraryError {
  readonly code = 'E_CAPTURE_SETUP';
  constructor(
    readonly reason: CaptureSetupProblem,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What {@link CaptureSetupError.reason} names. */
export type CaptureSetupProblem =
  'wal-level' | 'version' | 'permission' | 'replica-identity' | 'publication' | 'slot' | 'table' | 'triggers';

/**
 * Every error class by name, e.g. `error instanceof errors.ConfigError`; `errors.CacheLibraryError` is
 * their base class. The classes are reached through this map only, so the root API stays small.
 */
export const errors = Object.freeze({
  CacheLibraryError,
  KeyPatternError,
  CorruptEntryError,
  StrategyError,
  ApiCollisionError,
  WriteCapabilityError,
  CacheOptionsError,
  RedisClientError,
  ConfigError,
  EntityNotFoundError,
  CaptureSetupError,
  InvalidIdError,
} as const);
