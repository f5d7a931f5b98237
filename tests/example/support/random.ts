export { mulberry32, type Random } from '../../../example/infrastructure/seeded-random';

/** The seed the randomized tests use unless told otherwise: CI runs are reproducible. */
export const DEFAULT_SEED = 20261121;

/**
 * The seed of a randomized test: `process.env[variable]` when set (an integer to replay a
 * failure, or `random` for a fresh seed each run), else {@link DEFAULT_SEED}.
 * @throws {Error} when the variable is set but is neither an integer nor `random`
 */
export function seedFromEnv(variable: string): number {
  const raw = process.env[variable];
  if (raw === undefined || raw === '') return DEFAULT_SEED;
  if (raw === 'random') return (Date.now() ^ (process.pid << 16)) >>> 0;
  const seed = Number(raw);
  if (!Number.isInteger(seed))
    throw new Error(`${variable} must be an integer seed or "random", got ${JSON.stringify(raw)}`);
  return seed >>> 0;
}
