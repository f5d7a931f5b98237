import type { FastifyInstance } from 'fastify';
import type { CacheMetrics } from '../metrics';

/** `GET /metrics`: the cache's metrics in the Prometheus text format (see metrics.ts). */
export async function metricsRoutes(app: FastifyInstance, options: { metrics: CacheMetrics }): Promise<void> {
  const { registry } = options.metrics;
  app.get('/metrics', async (_request, reply) =>
    reply.header('Content-Type', registry.contentType).send(await registry.metrics()),
  );
}
