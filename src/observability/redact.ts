/**
 * Removing credentials from text that leaves the process: log lines and error messages.
 *
 * Two kinds of credential are removed:
 * - the password of any URL with credentials (`redis://user:pass@host` becomes
 *   `redis://user:***@host`, also `rediss://`, `redis://:pass@host` and any other scheme);
 * - every occurrence of a known secret string, passed in (a `SecretRedactor` passes the ones
 *   its owner knows: secret-redactor.ts).
 */

/** What a URL's password is replaced with. */
export const REDACTED = '***';

/**
 * `scheme://user:password@`: the user stops at the first `:`, the password runs to the last `@`
 * of the authority (which ends at whitespace, `/`, `?` or `#`), as URL parsers read it, so a
 * password containing an unescaped `@` or `:` is removed whole.
 */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#:]*):[^\s/?#]*@/gi;

/** Characters tried, in order, for the mask of a secret; the first that no secret contains is used. */
const MASK_CHARACTERS: readonly string[] = ['*', '#', '~', '!', '%', '^', '=', '_', '?'];

/**
 * `text` without credentials: URL passwords become `***`, and every occurrence of each of
 * `secrets` (empty strings are ignored) is masked. No secret survives, even one that overlaps
 * another, one that the mask could recreate, or one made of the mask's own characters: a
 * secret's mask is three of a character that no secret contains. Text holding neither is
 * returned unchanged.
 */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  const withoutUrlPasswords = text.replace(
    URL_CREDENTIALS,
    (_match, scheme: string, user: string) => `${scheme}${user}:${REDACTED}@`,
  );
  const wanted = secrets.filter((secret) => secret.length > 0);
  if (wanted.length === 0) return withoutUrlPasswords;
  const maskCharacter = MASK_CHARACTERS.find((candidate) => !wanted.some((secret) => secret.includes(candidate)));
  if (maskCharacter !== undefined) return maskOccurrences(withoutUrlPasswords, wanted, maskCharacter.repeat(3));
  // Every mask character is part of some secret: remove occurrences instead. Removal can join
  // the text around it into a new occurrence, so repeat; each round shortens the text.
  let result = withoutUrlPasswords;
  for (;;) {
    const next = maskOccurrences(result, wanted, '');
    if (next === result) return result;
    result = next;
  }
}

/**
 * Replaces each maximal run of characters covered by an occurrence of a secret (occurrences
 * may overlap) with `mask`. What is left between two masks is a piece of `text` that holds no
 * whole occurrence, so a secret survives only if it contains a character of `mask`.
 */
function maskOccurrences(text: string, secrets: readonly string[], mask: string): string {
  let covered: Uint8Array | null = null;
  for (const secret of secrets) {
    for (let at = text.indexOf(secret); at !== -1; at = text.indexOf(secret, at + 1)) {
      covered ??= new Uint8Array(text.length);
      covered.fill(1, at, at + secret.length);
    }
  }
  if (covered === null) return text;
  let result = '';
  let index = 0;
  while (index < text.length) {
    if (covered[index] === 1) {
      while (covered[index] === 1) index += 1;
      result += mask;
    } else {
      const start = index;
      while (index < text.length && covered[index] !== 1) index += 1;
      result += text.slice(start, index);
    }
  }
  return result;
}
