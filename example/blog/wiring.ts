import { CachedRepository, CacheService, createRedisClient, type CacheLogger } from 'cachedrepo';
import { PrismaOutbox } from 'cachedrepo/prisma';
import type { PrismaClient } from '../../generated/prisma/client';
import { createPrismaClient } from '../infrastructure/prisma/database';
import { blogCacheStrategies } from './cache/strategies';
import { startBlogCapture, type BlogCapture, type BlogCaptureOptions } from './capture';
import type { BlogRepositories } from './domain';
import { prismaRepositories } from './prisma/repositories';

/** How {@link openBlogData} builds the blog's data layer. */
export interface BlogDataOptions {
  databaseUrl: string;
  /** The Redis of the cache, or null for plain repositories (no cache at all). */
  redisUrl: string | null;
  /** A Prisma client to use instead of one for `databaseUrl` (not disconnected by `close`). */
  prisma?: PrismaClient;
  /** TTL of every entry, in seconds. @default 600 */
  ttlSeconds?: number;
  /** Prefix of the blog's Redis keys. @default `blog` */
  keyPrefix?: string;
  /** Change capture (cascades, writes outside the repositories); false: none. @default {} (on) */
  capture?: BlogCaptureOptions | false;
  logger?: CacheLogger;
}

/** The blog's repositories and what serves them. */
export interface BlogData {
  repositories: BlogRepositories;
  /** Null without a cache. */
  cache: CacheService | null;
  /** Null without a cache or with `capture: false`. */
  capture: BlogCapture | null;
  close(): Promise<void>;
}

/**
 * The blog's data layer: a Prisma repository per entity, each wrapped in a `CachedRepository` with its strategy when a
 * Redis is given (writes record their keys in the Prisma outbox, in their transaction), and change capture started.
 * Callers cannot tell cached from plain, except that a cached member has no `passwordHash`.
 * @throws {CaptureSetupError} when capture is on and the database is not set up for it
 */
export async function openBlogData(options: BlogDataOptions): Promise<BlogData> {
  const prisma = options.prisma ?? createPrismaClient(options.databaseUrl);
  const ownPrisma = options.prisma === undefined;
  const plain: BlogRepositories = prismaRepositories(prisma);
  if (options.redisUrl === null)
    return {
      repositories: plain,
      cache: null,
      capture: null,
      close: async () => void (ownPrisma && (await prisma.$disconnect())),
    };
  const cache = new CacheService(createRedisClient({ url: options.redisUrl }), {
    keyPrefix: options.keyPrefix ?? 'blog',
    outbox: new PrismaOutbox(prisma),
    ...(options.logger && { logger: options.logger }),
  });
  const strategies = blogCacheStrategies(options.ttlSeconds ?? 600);
  const bases = prismaRepositories(prisma);
  const repositories: BlogRepositories = {
    members: CachedRepository.wrap(bases.members, strategies.members, cache),
    articles: CachedRepository.wrap(bases.articles, strategies.articles, cache),
    tags: CachedRepository.wrap(bases.tags, strategies.tags, cache),
    articleTags: CachedRepository.wrap(bases.articleTags, strategies.articleTags, cache),
    favorites: CachedRepository.wrap(bases.favorites, strategies.favorites, cache),
    follows: CachedRepository.wrap(bases.follows, strategies.follows, cache),
    comments: CachedRepository.wrap(bases.comments, strategies.comments, cache),
  };
  let capture: BlogCapture | null = null;
  const close = async (): Promise<void> => {
    await capture?.stop();
    await cache.close();
    if (ownPrisma) await prisma.$disconnect();
  };
  try {
    if (options.capture !== false)
      capture = await startBlogCapture(cache, options.databaseUrl, {
        ...options.capture,
        ...(options.logger && { logger: options.logger }),
      });
  } catch (error) {
    await close();
    throw error;
  }
  return { repositories, cache, capture, close };
}
