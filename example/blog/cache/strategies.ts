import type { AnyCacheStrategy } from 'cachedrepo/capture';
import { articleCacheStrategy } from './article';
import { commentCacheStrategy } from './comment';
import { favoriteCacheStrategy } from './favorite';
import { followCacheStrategy } from './follow';
import { memberCacheStrategy } from './member';
import { articleTagCacheStrategy, tagCacheStrategy } from './tag';

/** The blog's strategies, one per entity, all with `ttlSeconds` (entries and negative caching alike). */
export function blogCacheStrategies(ttlSeconds: number) {
  return {
    members: memberCacheStrategy(ttlSeconds),
    articles: articleCacheStrategy(ttlSeconds),
    tags: tagCacheStrategy(ttlSeconds),
    articleTags: articleTagCacheStrategy(ttlSeconds),
    favorites: favoriteCacheStrategy(ttlSeconds),
    follows: followCacheStrategy(ttlSeconds),
    comments: commentCacheStrategy(ttlSeconds),
  };
}

/** The strategies whose tables change capture reads (every one: a cascade can delete rows of each). */
export function blogCaptureStrategies(): AnyCacheStrategy[] {
  return Object.values(blogCacheStrategies(60)) as AnyCacheStrategy[];
}
