import { errors } from 'cachedrepo';
import { PrismaOutbox } from 'cachedrepo/prisma';
import { InvalidArgumentError } from '../services/invalid-argument-error';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { DependencyContainer } from 'tsyringe';
import type { Settings } from '../config/settings';
import { TOKENS } from '../container';
import { instrumentRepositories } from './instrument-repositories';
import { createCacheMetrics, type CacheMetrics } from './metrics';
import { adminRoutes } from './routes/admin';
import { dashboardRoutes } from './routes/dashboard';
import { healthRoutes } from './routes/health';
import { metricsRoutes } from './routes/metrics';

/** Largest request body accepted, in bytes (the admin bodies are a few hundred bytes; 10000 user ids fit). */
const BODY_LIMIT_BYTES = 512 * 1024;

/** Options of {@link buildServer}. */
export interface ServerOptions {
  /** A container filled by `registerDataLayer` (nothing resolved from it yet, so that reads are timed). */
  container: DependencyContainer;
  settings: Settings;
  /** Fastify's logger option (pino). @default false */
  logger?: FastifyServerOptions['logger'];
}

/** A built server and its metrics. */
export interface CacheServer {
  app: FastifyInstance;
  metrics: CacheMetrics;
  /** Closes the server (not the data layer). */
  close(): Promise<void>;
}

/**
 * The cache's HTTP API on Fastify (not yet listening): `GET /health/cache`, `GET /metrics`, `GET /dashboard` (a live
 * page over `/metrics`),
 * and, when `settings.http.adminToken` is set (CACHE_ADMIN_TOKEN), the `/admin/cache/*` routes
 * behind that bearer token; without a token they do not exist (404). Errors are JSON
 * `{ error, message }`: 400 for a bad body or argument, 404 for an unknown entity, 500 without
 * details otherwise.
 */
export async function buildServer(options: ServerOptions): Promise<CacheServer> {
  const { container, settings } = options;
  const cacheService = container.isRegistered(TOKENS.CacheService) ? container.resolve(TOKENS.CacheService) : null;
  const methodCache = container.resolve(TOKENS.MethodCache);
  const outbox = cacheService?.health().outbox.configured
    ? new PrismaOutbox(container.resolve(TOKENS.PrismaClient))
    : null;
  const metrics = createCacheMetrics(cacheService, methodCache, outbox && (() => outbox.size()));
  const repositoryTokens = {
    hero: TOKENS.HeroRepository,
    child: TOKENS.ChildRepository,
    story: TOKENS.StoryRepository,
    deck: TOKENS.DeckRepository,
    card: TOKENS.CardRepository,
  };
  instrumentRepositories(container, repositoryTokens, metrics);

  const app = Fastify({ logger: options.logger ?? false, bodyLimit: BODY_LIMIT_BYTES });
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    if (error instanceof InvalidArgumentError)
      return reply.code(400).send({ error: 'Bad Request', message: error.message });
    if (error instanceof errors.EntityNotFoundError)
      return reply.code(404).send({ error: 'Not Found', message: error.message });
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500)
      return reply
        .code(status)
        .send({ error: status === 400 ? 'Bad Request' : 'Client Error', message: error.message });
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ error: 'Internal Server Error', message: 'the request failed; see the server log' });
  });
  await app.register(healthRoutes, { cacheService });
  await app.register(metricsRoutes, { metrics });
  await app.register(dashboardRoutes);
  const token = settings.http.adminToken;
  if (token !== undefined) {
    const repositories = Object.fromEntries(
      Object.entries(repositoryTokens).map(([type, repositoryToken]) => [
        type,
        container.resolve<object>(repositoryToken),
      ]),
    ) as Record<keyof typeof repositoryTokens, object>;
    await app.register(adminRoutes, {
      token,
      cacheService,
      methodCache,
      warmer: container.resolve(TOKENS.CacheWarmer),
      repositories,
    });
  }
  return {
    app,
    metrics,
    close: async () => {
      metrics.close();
      await app.close();
    },
  };
}
