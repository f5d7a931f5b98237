import { isCached, type CacheService } from 'cachedrepo';
import { type MethodCache } from 'cachedrepo/decorators';
import type { FastifyInstance } from 'fastify';
import type { CacheWarmer } from '../../warming/cache-warmer';
import { achievementKeys, achievementKeysOf, studyKeysOf, userKeys } from '../../services/service-keys';
import { bearerAuth } from '../auth';
import { describeIssue, invalidateBody, warmBody, type InvalidatableType } from '../schemas';

/** What the admin routes act on. */
export interface AdminDependencies {
  token: string;
  cacheService: CacheService | null;
  methodCache: MethodCache;
  warmer: CacheWarmer;
  /** The repository of each entity type, as the container resolves it (cached or plain). */
  repositories: Readonly<Record<'hero' | 'child' | 'story' | 'deck' | 'card', object>>;
}

/** A 400 with the first problems of the body. */
class BadRequest extends Error {
  readonly statusCode = 400;
}

/**
 * The admin routes, all behind the bearer token:
 * - `GET /admin/cache/stats`: counters per entity type and per decorated method, and the consistency auditor's
 *   (`audit`: hits checked, mismatches, inconsistency ratio...; null when CACHE_AUDIT_SAMPLE_RATE is 0);
 * - `POST /admin/cache/invalidate` `{ entityType, id? }`: one entity (its key and every list
 *   its current state is in) or learner, or the whole type (SCAN + UNLINK over its
 *   namespaces: its cost grows with the keyspace);
 * - `POST /admin/cache/warm` `{ userIds? }`: a warm-up now, answered with its report.
 * With the cache disabled, invalidate and warm answer 409.
 */
export async function adminRoutes(app: FastifyInstance, deps: AdminDependencies): Promise<void> {
  const { cacheService, methodCache, warmer } = deps;
  app.addHook('onRequest', bearerAuth(deps.token));

  app.get('/admin/cache/stats', async () => {
    const methods = new Set(methodCache.methodNames());
    const all = cacheService?.stats.snapshot() ?? [];
    return {
      enabled: methodCache.active,
      entities: all.filter((snapshot) => !methods.has(snapshot.entityType)),
      methods: methodCache.methodStats().map(({ entityType, ...counters }) => ({ method: entityType, ...counters })),
      audit: cacheService?.health().audit ?? null,
    };
  });

  app.post('/admin/cache/invalidate', async (request, reply) => {
    const body = invalidateBody.safeParse(request.body);
    if (!body.success) throw new BadRequest(describeIssue(body.error));
    if (!cacheService || !methodCache.active)
      return reply
        .code(409)
        .send({ error: 'Conflict', message: 'the cache is disabled (REDIS_ENABLED=false): nothing to invalidate' });
    const { entityType, id } = body.data;
    const started = performance.now();
    const outcome = await invalidate(entityType, id, deps, cacheService);
    if (outcome === 'not-cached')
      return reply.code(409).send({
        error: 'Conflict',
        message: `${entityType} is not cached (CACHE_DISABLED_ENTITIES): nothing to invalidate`,
      });
    return {
      entityType,
      id: id ?? null,
      scope: id === undefined ? 'all' : 'one',
      durationMs: performance.now() - started,
    };
  });

  app.post('/admin/cache/warm', async (request, reply) => {
    const body = warmBody.safeParse(request.body ?? {});
    if (!body.success) throw new BadRequest(describeIssue(body.error));
    if (!methodCache.active)
      return reply
        .code(409)
        .send({ error: 'Conflict', message: 'the cache is disabled (REDIS_ENABLED=false): nothing to warm' });
    return warmer.warm(body.data.userIds);
  });
}

async function invalidate(
  entityType: InvalidatableType,
  id: string | undefined,
  deps: AdminDependencies,
  cacheService: CacheService,
): Promise<'done' | 'not-cached'> {
  switch (entityType) {
    case 'progress':
      if (id === undefined) await cacheService.clearNamespace(userKeys.$namespace);
      else await cacheService.invalidate(studyKeysOf(id));
      return 'done';
    case 'achievements':
      if (id === undefined) await cacheService.clearNamespace(achievementKeys.$namespace);
      else await cacheService.invalidate(achievementKeysOf(id));
      return 'done';
    default: {
      const repository = deps.repositories[entityType];
      if (!isCached(repository)) return 'not-cached';
      await repository.invalidateCache(id);
      return 'done';
    }
  }
}
