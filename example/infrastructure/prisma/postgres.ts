import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient as PostgresPrismaClient } from '../../../generated/postgresql/client/client';
import type { PrismaClient } from '../../../generated/prisma/client';

/** The PostgreSQL schema tables live in when the URL names none. */
export const DEFAULT_POSTGRES_SCHEMA = 'public';

/** True for a `postgres://` or `postgresql://` URL. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url.trim());
}

/** A PostgreSQL URL split into what `pg` connects with and the schema Prisma's tables are in. */
export interface PostgresTarget {
  /** The URL without the `schema` parameter, which `pg` would send to the server as a setting. */
  connectionString: string;
  /** From `?schema=` (Prisma's convention), else `public`. */
  schema: string;
}

/**
 * Parses a PostgreSQL URL; `?schema=name` selects the schema (as in Prisma's own URLs).
 * @throws {Error} when the URL does not parse or the schema name is not a plain identifier.
 */
export function postgresTarget(url: string): PostgresTarget {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch (error) {
    // The URL may hold a password: name only its scheme.
    throw new Error('DATABASE_URL is not a valid postgresql:// URL', { cause: error });
  }
  const schema = parsed.searchParams.get('schema') ?? DEFAULT_POSTGRES_SCHEMA;
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(
      `DATABASE_URL names the schema ${JSON.stringify(schema)}: expected letters, digits and underscores`,
    );
  }
  parsed.searchParams.delete('schema');
  return { connectionString: parsed.toString(), schema };
}

/**
 * A Prisma client over `pg` (driver adapter `@prisma/adapter-pg`: no query engine binary),
 * generated from the PostgreSQL variant of the schema (generated/postgresql, see
 * prisma/postgresql/derive.cjs). Typed as the SQLite client: both are generated from the same
 * models, so the repositories use either through one type. Connects on first use.
 */
export function createPostgresClient(url: string): PrismaClient {
  const { connectionString, schema } = postgresTarget(url);
  if (schema === DEFAULT_POSTGRES_SCHEMA)
    return new PostgresPrismaClient({ adapter: new PrismaPg({ connectionString }) }) as unknown as PrismaClient;
  // The adapter's `schema` qualifies the queries Prisma builds; raw SQL (the outbox INSERT) finds
  // its tables through the connections' search_path.
  const adapter = new PrismaPg({ connectionString, options: `-c search_path=${schema}` }, { schema });
  return new PostgresPrismaClient({ adapter }) as unknown as PrismaClient;
}
