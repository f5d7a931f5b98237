import { redactSecrets } from './redact';

/**
 * The secrets one owner (a Redis client, a CacheService) must never let out in a log line or an
 * error, and the redaction of text with them. Each client made by `createRedisClient` or
 * `createRedisCluster` keeps one with its passwords; a CacheService's includes its clients' and
 * redacts every line it logs with it. There is no process-wide list: a secret is known to the
 * instances it was given to.
 */
export class SecretRedactor {
  readonly #own = new Set<string>();
  readonly #included = new Set<SecretRedactor>();

  /** @param secrets strings never to show; empty and missing values are ignored */
  constructor(secrets: Iterable<string | null | undefined> = []) {
    for (const secret of secrets) this.add(secret);
  }

  /** Adds `secret` from now on (text redacted later is redacted of it too). Empty and missing values are ignored. */
  add(secret: string | null | undefined): this {
    if (secret) this.#own.add(secret);
    return this;
  }

  /** Also redacts every secret `other` knows, now and whenever it learns more. */
  include(other: SecretRedactor): this {
    if (other !== this) this.#included.add(other);
    return this;
  }

  /** Every secret known: its own and those of the redactors it includes (each once). */
  get secrets(): readonly string[] {
    const found = new Set<string>();
    const visited = new Set<SecretRedactor>();
    const collect = (redactor: SecretRedactor): void => {
      if (visited.has(redactor)) return;
      visited.add(redactor);
      for (const secret of redactor.#own) found.add(secret);
      for (const included of redactor.#included) collect(included);
    };
    collect(this);
    return [...found];
  }

  /** `text` without URL passwords and without any of {@link secrets} (see `redactSecrets`). */
  redact(text: string): string {
    return redactSecrets(text, this.secrets);
  }
}
