import { StrategyError } from '../errors';

/** The longest TTL the library accepts anywhere: a year, in seconds. */
export const MAX_TTL_SECONDS = 31_536_000;

/**
 * The one check of a TTL, wherever one is given (a strategy, a query, a near cache, a decorated
 * method): a whole number of seconds from `minimum` to a year. The error class says where the
 * TTL came from: `StrategyError` for a strategy's, `CacheOptionsError` for a method cache's.
 * @throws {StrategyError} (or `error`) naming `what`, the range and the value given
 */
export function checkTtlSeconds(
  what: string,
  seconds: number,
  minimum: number,
  error: new (message: string) => Error = StrategyError,
): number {
  if (!Number.isInteger(seconds) || seconds < minimum || seconds > MAX_TTL_SECONDS)
    throw new error(`${what} must be a whole number of seconds from ${minimum} to ${MAX_TTL_SECONDS}, got ${seconds}`);
  return seconds;
}
