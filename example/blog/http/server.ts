import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { BlogError, type ArticleFilter, type BlogService } from '../service';

/**
 * The blog's HTTP API (JSON). The viewer is named by the `x-member-id` header (no real authentication: an example);
 * reads work without it (then `favorited` and `following` are false), writes need it.
 *
 * - `POST /members` `{ username, password, bio? }`, `GET /members/:id` (never the password hash), `DELETE /members/:id`
 * - `GET /profiles/:id` (with `following`, `followersCount`), `POST|DELETE /profiles/:id/follow`
 * - `GET /articles?tag=|author=|favorited=&limit=&offset=`, `POST /articles` `{ title, body, tags }`,
 *   `GET|PUT|DELETE /articles/:id` (with `favorited`, `favoritesCount`, `tags`), `POST|DELETE /articles/:id/favorite`
 * - `GET|POST /articles/:id/comments` `{ body }`
 */
export function buildBlogServer(service: BlogService, options: { logger?: boolean } = {}): FastifyInstance {
  const app = Fastify({ logger: options.logger ?? false });
  app.setErrorHandler((error: unknown, _request, reply) => {
    if (error instanceof BlogError) return reply.status(error.status).send({ error: error.message });
    const status = (error as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number' && status < 500) return reply.status(status).send({ error: String(error) });
    app.log.error(error);
    return reply.status(500).send({ error: 'internal error' });
  });

  app.post('/members', async (request, reply) => {
    const body = object(request.body);
    const member = await service.register(
      text(body.username, 'username'),
      text(body.password, 'password'),
      optionalText(body.bio),
    );
    return reply.status(201).send(member);
  });
  app.get('/members/:id', async (request) => service.member(param(request)));
  app.delete('/members/:id', async (request, reply) => {
    await service.deleteMember(viewerOf(request), param(request));
    return reply.status(204).send();
  });

  app.get('/profiles/:id', async (request) => service.profile(param(request), optionalViewer(request)));
  app.post('/profiles/:id/follow', async (request) => service.follow(viewerOf(request), param(request)));
  app.delete('/profiles/:id/follow', async (request) => service.unfollow(viewerOf(request), param(request)));

  app.get('/articles', async (request) => {
    const query = request.query as Record<string, string | undefined>;
    const page = { limit: count(query.limit, 20, 100), offset: count(query.offset, 0, Number.MAX_SAFE_INTEGER) };
    return service.articles(filterOf(query), page, optionalViewer(request));
  });
  app.post('/articles', async (request, reply) => {
    const body = object(request.body);
    const input = { title: text(body.title, 'title'), body: text(body.body, 'body'), tags: tags(body.tags) ?? [] };
    return reply.status(201).send(await service.createArticle(viewerOf(request), input));
  });
  app.get('/articles/:id', async (request) => service.article(param(request), optionalViewer(request)));
  app.put('/articles/:id', async (request) => {
    const body = object(request.body);
    const changes = {
      ...(body.title !== undefined && { title: text(body.title, 'title') }),
      ...(body.body !== undefined && { body: text(body.body, 'body') }),
      ...(body.tags !== undefined && { tags: tags(body.tags) }),
    };
    return service.updateArticle(viewerOf(request), param(request), changes);
  });
  app.delete('/articles/:id', async (request, reply) => {
    await service.deleteArticle(viewerOf(request), param(request));
    return reply.status(204).send();
  });
  app.post('/articles/:id/favorite', async (request) => service.favorite(viewerOf(request), param(request)));
  app.delete('/articles/:id/favorite', async (request) => service.unfavorite(viewerOf(request), param(request)));
  app.get('/articles/:id/comments', async (request) => service.comments(param(request)));
  app.post('/articles/:id/comments', async (request, reply) => {
    const comment = await service.comment(viewerOf(request), param(request), text(object(request.body).body, 'body'));
    return reply.status(201).send(comment);
  });
  return app;
}

function positiveInt(value: unknown, what: string): number {
  const number = typeof value === 'string' && /^[0-9]{1,9}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(number) || number < 1) throw new BlogError(400, `${what} must be a positive integer`);
  return number;
}
const param = (request: FastifyRequest): number => positiveInt((request.params as { id?: string }).id, 'id');
function optionalViewer(request: FastifyRequest): number | null {
  const header = request.headers['x-member-id'];
  return header === undefined ? null : positiveInt(header, 'x-member-id');
}
function viewerOf(request: FastifyRequest): number {
  const viewer = optionalViewer(request);
  if (viewer === null) throw new BlogError(403, 'this route needs the viewer: the x-member-id header');
  return viewer;
}
function object(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null) throw new BlogError(400, 'the body must be a JSON object');
  return body as Record<string, unknown>;
}
function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new BlogError(400, `${what} must be a non-empty string`);
  return value;
}
const optionalText = (value: unknown): string => (typeof value === 'string' ? value : '');
function tags(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((tag) => typeof tag === 'string' && /^[a-z0-9-]{1,40}$/.test(tag)))
    throw new BlogError(400, 'tags must be an array of lower-case names (letters, digits, -)');
  return value as string[];
}
function count(value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const number = /^[0-9]{1,9}$/.test(value) ? Number(value) : NaN;
  if (Number.isNaN(number) || number > max) throw new BlogError(400, `limit and offset: integers from 0 to ${max}`);
  return number;
}
function filterOf(query: Record<string, string | undefined>): ArticleFilter {
  const given = (['tag', 'author', 'favorited'] as const).filter((name) => query[name] !== undefined);
  if (given.length !== 1) throw new BlogError(400, 'name exactly one of tag, author, favorited');
  if (query.tag !== undefined) return { tag: query.tag };
  if (query.author !== undefined) return { authorId: positiveInt(query.author, 'author') };
  return { favoritedBy: positiveInt(query.favorited, 'favorited') };
}
