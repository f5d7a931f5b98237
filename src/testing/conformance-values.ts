import { isDeepStrictEqual } from 'node:util';

/**
 * The values the strategy conformance suite feeds to a strategy: hostile strings for keys
 * (a fixed list and a seeded generator, so a failure replays from its seed) and, for each
 * field of a sample entity, other values it could take. No dependency on fast-check: this
 * module ships with the package, where fast-check is not installed.
 */

/**
 * Strings a key must encode without forming another key or widening a pattern: the glob
 * metacharacters of Redis `SCAN ... MATCH` / `KEYS` (`* ? [ ] \`), the `:` separator, percent
 * escapes a naive encoder would confuse with its own output, literal segments of typical
 * schemas (`all`, `list`, ...), whitespace, control characters, combining and multi-unit
 * unicode, the empty string and a long one.
 */
export const HOSTILE_STRINGS: readonly string[] = Object.freeze([
  '',
  ' ',
  '*',
  '?',
  '[a-z]',
  '[',
  ']',
  '\\',
  '\\*',
  ':',
  '::',
  'a:b',
  'a:*',
  '*:*',
  '%',
  '%2A',
  '%3A',
  '%25',
  '%%',
  '{id}',
  'all',
  'ALL',
  'list',
  'full',
  'lang',
  'name',
  'id',
  'exact',
  'deck',
  '-',
  '.',
  '~',
  "'",
  '"',
  'é',
  'e\u0301',
  'Ζωή',
  '日本',
  '👩‍👩‍👧',
  '\n',
  '\t',
  '\r\n',
  '\0',
  'a b',
  'x'.repeat(10_000),
]);

/**
 * A seeded pseudo-random generator (mulberry32, public domain, Tommy Ettinger): the same
 * seed gives the same sequence on every machine. @returns numbers in [0, 1)
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Mostly characters a key must escape; every unit is a whole code point, so the strings are
// well-formed UTF-16 (a lone surrogate has no UTF-8 form: encodeURIComponent rejects it).
const ALPHABET: readonly string[] = [
  ...'*?[]\\:%{}/ \t\n\'"#&=+',
  ...'aAzZ09-_.~',
  'é',
  'Ω',
  'ß',
  '\u0301',
  '😀',
  '👍🏽',
  '\u200b',
  '\u0000',
];

/**
 * `count` strings of 0 to 12 units from {@link ALPHABET}, some with a whole word of `words`
 * (literal segments of the strategy's own keys) spliced in, from `seed`.
 */
export function generateHostileStrings(seed: number, count: number, words: readonly string[] = []): string[] {
  const random = seededRandom(seed);
  const pick = <V>(items: readonly V[]): V => items[Math.floor(random() * items.length)] as V;
  return Array.from({ length: count }, () => {
    let text = '';
    const length = Math.floor(random() * 13);
    for (let i = 0; i < length; i += 1) text += pick(ALPHABET);
    if (words.length > 0 && random() < 0.3) text = random() < 0.5 ? pick(words) : `${text}${pick(words)}`;
    return text;
  });
}

/**
 * Values a field could change to, other than `value`, deduplicated: the `given` values (from
 * the user's alternatives and from the same field of the other samples), then, unless the
 * field is `closed` (enum-like: only the given values are valid), one or two built-in
 * changes by type: a string gets a suffix, a number ±1, a boolean flips, a Date moves a day,
 * an array loses its first element or repeats it. `null`, objects and empty arrays get only
 * the given values.
 */
export function variantsOf(value: unknown, given: readonly unknown[], closed: boolean): unknown[] {
  const candidates = [...given];
  if (!closed) candidates.push(...builtInVariants(value));
  const variants: unknown[] = [];
  for (const candidate of candidates) {
    if (!isDeepStrictEqual(candidate, value) && !variants.some((seen) => isDeepStrictEqual(seen, candidate)))
      variants.push(candidate);
  }
  return variants;
}

function builtInVariants(value: unknown): unknown[] {
  switch (typeof value) {
    case 'string':
      return [`${value}2`];
    case 'number':
      return Number.isFinite(value) ? [value + 1, value - 1] : [0];
    case 'bigint':
      return [value + 1n];
    case 'boolean':
      return [!value];
    default:
      if (value instanceof Date)
        return [Number.isNaN(value.getTime()) ? new Date(0) : new Date(value.getTime() + 86_400_000)];
      if (Array.isArray(value) && value.length > 0) return [value.slice(1), [...value, value[0]]];
      return [];
  }
}

/** A copy of `entity` (same prototype) with `field` set to `value`. */
export function withField<T extends object>(entity: T, field: PropertyKey, value: unknown): T {
  return Object.assign(Object.create(Object.getPrototypeOf(entity) as object | null) as T, entity, { [field]: value });
}

/** A short description of a value for failure messages. */
export function describeValue(value: unknown): string {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  try {
    const text =
      JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? `${item}n` : item)) ?? String(value);
    return text.length > 60 ? `${text.slice(0, 60)}…` : text;
  } catch {
    return String(value);
  }
}
