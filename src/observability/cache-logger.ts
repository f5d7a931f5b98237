import { redactSecrets } from './redact';
import type { SecretRedactor } from './secret-redactor';

/** The logging calls the cache makes: a subset of pino's `Logger`, so a pino logger fits as is. */
export interface CacheLogger {
  debug(details: object, message: string): void;
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/**
 * The default logger, at `LOG_LEVEL` (default `warn`): pino when it is installed (an optional
 * peer dependency), else one JSON line per entry on stderr. Never silent: failures a cache
 * turns into misses must still be seen (Keyv's silent default is a lesson its users paid for).
 */
export function createDefaultLogger(): CacheLogger {
  const level = process.env.LOG_LEVEL ?? 'warn';
  try {
    // An optional peer: required lazily so that the core works without it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pino = require('pino') as (options: { name: string; level: string }) => CacheLogger;
    return pino({ name: 'cachedrepo', level });
  } catch {
    const threshold = Math.max(0, LEVELS.indexOf(level as (typeof LEVELS)[number]));
    const at =
      (name: (typeof LEVELS)[number]) =>
      (details: object, message: string): void => {
        if (LEVELS.indexOf(name) >= threshold)
          process.stderr.write(
            `${JSON.stringify({ level: name, name: 'cachedrepo', time: Date.now(), msg: message, ...details })}\n`,
          );
      };
    return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  }
}

/**
 * Logs a repeated failure once, then at most once per `intervalMs` with the number of
 * occurrences in between, so an outage does not flood the log with one line per request.
 *
 * What it logs is redacted: URL passwords and the `secrets` given here are removed from the
 * operation name and the error message. (A CacheService also hands it a {@link redactingLogger},
 * which removes its clients' passwords from every line.)
 */
export class ThrottledErrorLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  /**
   * @param intervalMs minimum milliseconds between two lines for one operation, @default 5000
   * @param secrets strings never to log. @default []
   */
  constructor(
    private readonly logger: CacheLogger,
    private readonly intervalMs = 5000,
    private readonly secrets: readonly string[] = [],
  ) {}

  /**
   * Logs `error` for `operation` as a warning, unless one was logged for it less than `intervalMs` ago.
   * @param message what the line says happened. @default 'Redis command failed; served without the cache'
   */
  report(operation: string, error: unknown, message = 'Redis command failed; served without the cache'): void {
    const now = Date.now();
    const entry = this.last.get(operation);
    if (entry && now - entry.at < this.intervalMs) {
      entry.suppressed += 1;
      return;
    }
    const suppressed = entry?.suppressed ?? 0;
    this.last.set(operation, { at: now, suppressed: 0 });
    const text = error instanceof Error ? error.message : String(error);
    const { secrets } = this;
    this.logger.warn(
      {
        operation: redactSecrets(operation, secrets),
        error: redactSecrets(text, secrets),
        suppressedSinceLastLog: suppressed,
      },
      message,
    );
  }
}

/** How deep {@link redactingLogger} looks into the details of a line (the cache's are one or two levels). */
const MAX_DEPTH = 4;

/**
 * `logger`, with every line redacted by `redactor` before it is written: the message, and the
 * strings in the details (also inside arrays and plain objects, {@link MAX_DEPTH} levels deep).
 * Details that hold nothing to redact are passed on as they are; other objects (an `Error`, a
 * `Date`) are passed on untouched. A secret the redactor learns later is redacted from then on.
 */
export function redactingLogger(logger: CacheLogger, redactor: SecretRedactor): CacheLogger {
  const at =
    (name: (typeof LEVELS)[number]) =>
    (details: object, message: string): void => {
      const { secrets } = redactor;
      logger[name](redactValue(details, secrets, 0) as object, redactSecrets(message, secrets));
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function redactValue(value: unknown, secrets: readonly string[], depth: number): unknown {
  if (typeof value === 'string') return redactSecrets(value, secrets);
  if (depth >= MAX_DEPTH || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const items = value.map((item: unknown) => redactValue(item, secrets, depth + 1));
    return items.some((item, index) => item !== value[index]) ? items : value;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  const entries = Object.entries(value);
  const redacted = entries.map(([key, inner]) => [key, redactValue(inner, secrets, depth + 1)] as const);
  return redacted.some(([, inner], index) => inner !== entries[index]?.[1]) ? Object.fromEntries(redacted) : value;
}
