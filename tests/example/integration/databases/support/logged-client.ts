import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient as PostgresPrismaClient } from '../../../../../generated/postgresql/client/client';
import { PrismaClient } from '../../../../../generated/prisma/client';
import {
  databaseFilePath,
  postgresTarget,
  SqliteAdapterFactory,
} from '../../../../../example/infrastructure/prisma/database';
import type { TestDatabase } from '../../../support/database';

/** A Prisma client on a test database that logs every statement it sends. */
export interface LoggedClient {
  prisma: PrismaClient;
  /** The SQL of every statement so far, in order (COMMIT and BEGIN included). */
  statements: string[];
}

/**
 * A second client on `db` (same adapter as the application's) with Prisma's query log on.
 * @param options.pgSchema PostgreSQL only: the adapter's `schema` option, without setting the
 *   connections' search_path (raw SQL then sees `public`, a misconfiguration the write path must notice).
 */
export function loggedClient(db: TestDatabase, options: { pgSchema?: string } = {}): LoggedClient {
  const statements: string[] = [];
  const log = [{ emit: 'event', level: 'query' }] as const;
  if (db.provider === 'sqlite') {
    const prisma = new PrismaClient({ adapter: new SqliteAdapterFactory(databaseFilePath(db.url)), log: [...log] });
    prisma.$on('query', (event) => void statements.push(event.query));
    return { prisma, statements };
  }
  const { connectionString } = postgresTarget(db.url);
  const adapter = new PrismaPg({ connectionString }, options.pgSchema ? { schema: options.pgSchema } : undefined);
  const prisma = new PostgresPrismaClient({ adapter, log: [...log] });
  prisma.$on('query', (event) => void statements.push(event.query));
  return { prisma: prisma as unknown as PrismaClient, statements };
}
