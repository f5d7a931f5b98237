import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';

/**
 * `GET /dashboard`: a live page over `GET /metrics` (plain HTML, inline SVG and script; no build step, nothing
 * fetched from elsewhere): hit ratio per entity type over time, hits, misses and errors per second, the breaker,
 * near-cache tracking, the outbox backlog, dataset clears and the consistency auditor's ratio. It shows nothing
 * `/metrics` does not already show, so it is public like `/metrics`. `?interval=<ms>` sets how often it reads
 * (at least 100, default 1000).
 */
export async function dashboardRoutes(app: FastifyInstance): Promise<void> {
  const page = readFileSync(join(__dirname, '..', 'dashboard', 'dashboard.html'), 'utf8');
  app.get('/dashboard', async (_request, reply) =>
    reply
      .header('Content-Type', 'text/html; charset=utf-8')
      .header(
        'Content-Security-Policy',
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
      )
      .send(page),
  );
}
