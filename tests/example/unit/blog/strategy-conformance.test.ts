import { runStrategyConformance } from 'cachedrepo/testing';
import { articleCacheStrategy } from '../../../../example/blog/cache/article';
import { commentCacheStrategy } from '../../../../example/blog/cache/comment';
import { favoriteCacheStrategy } from '../../../../example/blog/cache/favorite';
import { followCacheStrategy } from '../../../../example/blog/cache/follow';
import { memberCacheStrategy } from '../../../../example/blog/cache/member';
import { articleTagCacheStrategy, tagCacheStrategy } from '../../../../example/blog/cache/tag';

// The shipped conformance suite (cachedrepo/testing) over the blog's seven strategies (REDIS_CACHE.md section 17): for
// each cached query, the call holding an entity; a collection query's calls are checked by their collection key.
const runner = { describe, it };
const at = new Date(Date.UTC(2026, 11, 7));
const page = { limit: 20, offset: 0 };

runStrategyConformance(runner, {
  strategy: memberCacheStrategy(60),
  samples: [{ id: 1, username: 'ada', passwordHash: 'salt:hash', bio: '', createdAt: at }],
  holding: { findAll: false, findByUsername: (member) => [member.username] },
});

runStrategyConformance(runner, {
  strategy: articleCacheStrategy(60),
  samples: [{ id: 2, authorId: 1, title: 'Leases', body: 'A:*?[x]', createdAt: at }],
  holding: { findAll: false, findByAuthor: (article) => [article.authorId, page] },
});

runStrategyConformance(runner, {
  strategy: tagCacheStrategy(60),
  samples: [{ id: 3, name: 'redis' }],
  holding: { findAll: false, findByName: (tag) => [tag.name] },
});

runStrategyConformance(runner, {
  strategy: articleTagCacheStrategy(60),
  samples: [{ id: { articleId: 2, tagId: 3 }, createdAt: at }],
  holding: { findAll: false, findByTag: ({ id }) => [id.tagId, page], findByArticle: ({ id }) => [id.articleId] },
});

runStrategyConformance(runner, {
  strategy: favoriteCacheStrategy(60),
  samples: [{ id: { memberId: 1, articleId: 2 }, createdAt: at }],
  holding: { findAll: false, findByMember: ({ id }) => [id.memberId, page], findByArticle: ({ id }) => [id.articleId] },
});

runStrategyConformance(runner, {
  strategy: followCacheStrategy(60),
  samples: [{ id: { followerId: 1, followeeId: 4 }, createdAt: at }],
  holding: { findAll: false, findByFollower: ({ id }) => [id.followerId], findByFollowee: ({ id }) => [id.followeeId] },
});

runStrategyConformance(runner, {
  strategy: commentCacheStrategy(60),
  samples: [{ id: 5, articleId: 2, authorId: 1, body: 'nice', createdAt: at }],
  holding: { findAll: false, findByArticle: (comment) => [comment.articleId] },
});
