import { KeyPatternError } from '../errors';

/**
 * Typed, injective cache-key builders.
 *
 * A schema is declared once from patterns such as `'hero:lang:{language}'`: literal segments
 * are written as is, `{name}` placeholders are filled from data and encoded so that no value
 * can form another key of the schema or widen a glob pattern:
 *
 * - every character outside `A-Z a-z 0-9 - _ . ! ~ ' ( )` is percent-encoded (RFC 3986
 *   style, UTF-8), so `:` `*` `?` `[` `]` `\` `%`, spaces and unicode never appear raw;
 * - a value equal to one of the schema's literal segments (a deck id `list`, a hero id `all`)
 *   has its first character percent-encoded, which a plain encoding never does, so
 *   `decks:{id}` with id `list` is `decks:%6Cist`, not the list key `decks:list`.
 *
 * Values are strings, numbers or bigints: a number or a bigint is written in decimal (`-12`, `9007199254740993`), so
 * the encoding is injective within each type. One placeholder takes values of one type (a strategy's ids are of one
 * type: `IdCodec`), and different entity types have different namespaces: `post:1` (an Int id) and `hero:1` (a
 * string id) never meet. A composite id fills one placeholder per field: `membership:{userId}:{articleId}`.
 *
 * Keys are returned without the deployment prefix; the {@link CacheService} adds it.
 */

/** A value a placeholder takes: a string, a number (an Int id, an age) or a bigint (a BigInt id). */
export type KeyValue = string | number | bigint;

/** Placeholder names in a pattern: `'a:{x}:{y}'` gives `'x' | 'y'`. */
export type KeyParamNames<P extends string> = P extends `${string}{${infer Name}}${infer Rest}`
  ? Name | KeyParamNames<Rest>
  : never;

/** The argument of a key builder: nothing for a constant key, else one value per placeholder. */
export type KeyParams<P extends string> = [KeyParamNames<P>] extends [never]
  ? []
  : [params: Record<KeyParamNames<P>, KeyValue>];

/** One builder function per pattern, plus the schema's metadata. */
export type KeySchema<D extends Record<string, string>> = {
  readonly [K in keyof D]: (...params: KeyParams<D[K]>) => string;
} & {
  /** The first segment of every key: the patterns' namespace, with `-v{n}` from version 2 on (`hero`, `hero-v2`). */
  readonly $namespace: string;
  /** The schema version: bump it when the cached shape changes, so old entries are never read. */
  readonly $version: number;
  /** The patterns as declared, for documentation and conformance tests. */
  readonly $patterns: Readonly<D>;
};

const LITERAL = /^[A-Za-z0-9_-]+$/;
const PLACEHOLDER = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

type Segment = { literal: string } | { param: string };

/**
 * Encodes one data component of a key (see the module comment for the rules).
 * @param reserved literal segments of the schema the value must not be mistaken for
 */
export function encodeKeyComponent(value: KeyValue, reserved: ReadonlySet<string>): string {
  const encoded = percentEncode(String(value)).replace(/\*/g, '%2A');
  if (!reserved.has(encoded)) return encoded;
  return `%${encoded.charCodeAt(0).toString(16).toUpperCase()}${encoded.slice(1)}`;
}

/** A surrogate pair, a lone surrogate, or a run without surrogates (code units: the regex has no `u` flag). */
const SURROGATE_SPLIT = /[\uD800-\uDBFF][\uDC00-\uDFFF]|[\uD800-\uDFFF]|[^\uD800-\uDFFF]+/g;

/**
 * `encodeURIComponent`, which throws URIError on a lone surrogate (a string from data may hold one: JSON allows
 * `"\ud800"`). A lone surrogate is written as its three WTF-8 bytes (`%ED%A0%80` for U+D800), a sequence that the
 * UTF-8 of a well-formed string never contains, so the encoding stays injective and a read never fails on a key.
 */
function percentEncode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return text.replace(SURROGATE_SPLIT, (part) => {
      const code = part.charCodeAt(0);
      if (part.length > 1 || code < 0xd800 || code > 0xdfff) return encodeURIComponent(part);
      const byte = (bits: number): string => `%${(0x80 | (bits & 0x3f)).toString(16).toUpperCase()}`;
      return `%ED${byte(code >> 6)}${byte(code)}`;
    });
  }
}

/**
 * Escapes glob metacharacters (`* ? [ ] \`) so that a string matches only itself in a Redis
 * `SCAN ... MATCH` pattern (Redis docs, KEYS: glob-style patterns).
 */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

function parsePattern(pattern: string): Segment[] {
  return pattern.split(':').map((part) => {
    const placeholder = PLACEHOLDER.exec(part);
    if (placeholder) return { param: placeholder[1] as string };
    if (LITERAL.test(part)) return { literal: part };
    throw new KeyPatternError(
      `Key pattern ${JSON.stringify(pattern)}: segment ${JSON.stringify(part)} must be a literal ` +
        `of [A-Za-z0-9_-] or a {placeholder}`,
    );
  });
}

/** Options of {@link defineKeySchema}. */
export interface KeySchemaOptions {
  /**
   * Version of what the keys hold. Bump it when the entity's cached shape changes: the keys
   * move to the namespace `{namespace}-v{version}`, so a new release never reads entries an
   * older one wrote (and the old ones expire by their TTL). @default 1
   */
  version?: number;
}

/**
 * Declares a key schema.
 * @example
 * const heroKeys = defineKeySchema({ byId: 'hero:{id}', all: 'hero:all' });
 * heroKeys.byId({ id: 'h1' }); // 'hero:h1'
 * @throws {KeyPatternError} when a pattern has a malformed segment, does not start with a
 *   literal, or the patterns do not share one namespace.
 */
export function defineKeySchema<const D extends Record<string, string>>(
  patterns: D,
  options: KeySchemaOptions = {},
): KeySchema<D> {
  const version = options.version ?? 1;
  if (!Number.isInteger(version) || version < 1)
    throw new KeyPatternError(`Key schema version must be an integer >= 1, got ${version}`);
  const parsed = Object.entries(patterns).map(([name, pattern]) => ({
    name,
    pattern,
    segments: parsePattern(pattern),
  }));
  const namespaces = new Set(
    parsed.map(({ segments, pattern }) => {
      const first = segments[0];
      if (!first || !('literal' in first))
        throw new KeyPatternError(`Key pattern ${JSON.stringify(pattern)} must start with a literal namespace`);
      return first.literal;
    }),
  );
  if (namespaces.size !== 1)
    throw new KeyPatternError(`Key patterns must share one namespace, got ${[...namespaces].join(', ')}`);
  const reserved = new Set(
    parsed.flatMap(({ segments }) => segments.flatMap((s) => ('literal' in s ? [s.literal] : []))),
  );

  const namespace = version === 1 ? ([...namespaces][0] as string) : `${[...namespaces][0]}-v${version}`;
  const schema: Record<string, unknown> = {
    $namespace: namespace,
    $version: version,
    $patterns: Object.freeze({ ...patterns }),
  };
  for (const { name, segments } of parsed) {
    schema[name] = (params?: Record<string, KeyValue>): string =>
      segments
        .map((segment, index) => {
          if (index === 0) return namespace;
          if ('literal' in segment) return segment.literal;
          const value = params?.[segment.param];
          if (value === undefined || value === null)
            throw new KeyPatternError(`Key ${name}: missing value for {${segment.param}}`);
          return encodeKeyComponent(value, reserved);
        })
        .join(':');
  }
  return Object.freeze(schema) as KeySchema<D>;
}

export { KeyPatternError };
