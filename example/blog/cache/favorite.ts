import { defineCacheStrategy, defineKeySchema } from 'cachedrepo';
import { compositeId } from 'cachedrepo/ids';
import type { Favorite, FavoriteRepository } from '../domain';
import { intColumn, keyState } from './row-image';

export const favoriteKeys = defineKeySchema({
  byId: 'favorite:{memberId}:{articleId}',
  byMember: 'favorite:member:{memberId}',
  byArticle: 'favorite:article:{articleId}',
});

/**
 * A favorite: the join row of a member and an article, and a relation that makes keys of both sides stale. Its own key
 * is the per-viewer flag (`favorited`: the row, or the cached "no such row" of negative caching); the member side is
 * the member's favorites list, the article side the article's favorites (their count). A favorite or unfavorite clears
 * all three; a cascade (the member or the article deleted) clears them through capture.
 */
export const favoriteCacheStrategy = (ttlSeconds: number) =>
  defineCacheStrategy<Favorite, FavoriteRepository>({
    entityType: 'favorite',
    namespaces: [favoriteKeys.$namespace],
    ttlSeconds,
    negativeTtlSeconds: ttlSeconds,
    id: compositeId({ memberId: 'int', articleId: 'int' }),
    entityKey: (id) => favoriteKeys.byId(id),
    queries: {
      findByMember: { collection: (memberId) => favoriteKeys.byMember({ memberId }) },
      findByArticle: { key: (articleId) => favoriteKeys.byArticle({ articleId }) },
    },
    keysOf: ({ id }) => [
      favoriteKeys.byId(id),
      favoriteKeys.byMember({ memberId: id.memberId }),
      favoriteKeys.byArticle({ articleId: id.articleId }),
    ],
    capture: [
      {
        table: 'Favorite',
        columns: ['memberId', 'articleId'],
        toEntity: (row) =>
          keyState<Favorite>({ id: { memberId: intColumn(row, 'memberId'), articleId: intColumn(row, 'articleId') } }),
      },
    ],
  });
