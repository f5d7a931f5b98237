import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * A Fastify `onRequest` hook admitting only `Authorization: Bearer <token>` (RFC 6750). The
 * comparison is over SHA-256 digests with `timingSafeEqual`, so its time tells nothing about
 * the token, not even its length. A refusal is 401 with `WWW-Authenticate: Bearer`.
 */
export function bearerAuth(token: string): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const expected = createHash('sha256').update(token).digest();
  return async (request, reply) => {
    const match = /^Bearer ([^\s]+)$/.exec(request.headers.authorization ?? '');
    const given = match
      ? createHash('sha256')
          .update(match[1] as string)
          .digest()
      : null;
    if (given && timingSafeEqual(given, expected)) return;
    await reply
      .code(401)
      .header('WWW-Authenticate', `Bearer realm="cache-admin"${match ? ', error="invalid_token"' : ''}`)
      .send({
        error: 'Unauthorized',
        message: match
          ? 'the bearer token is not valid'
          : 'an Authorization: Bearer <CACHE_ADMIN_TOKEN> header is required',
      });
  };
}
