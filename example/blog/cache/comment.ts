import { defineCacheStrategy, defineKeySchema } from 'cachedrepo';
import { intId } from 'cachedrepo/ids';
import type { Comment, CommentRepository } from '../domain';
import { intColumn, keyState } from './row-image';

export const commentKeys = defineKeySchema({ byId: 'comment:{id}', byArticle: 'comment:article:{articleId}' });

/** A comment, by id and in its article's list (deleted with its article or its author: capture clears both). */
export const commentCacheStrategy = (ttlSeconds: number) =>
  defineCacheStrategy<Comment, CommentRepository>({
    entityType: 'comment',
    namespaces: [commentKeys.$namespace],
    ttlSeconds,
    id: intId(),
    entityKey: (id) => commentKeys.byId({ id }),
    queries: { findByArticle: { key: (articleId) => commentKeys.byArticle({ articleId }) } },
    keysOf: (comment) => [
      commentKeys.byId({ id: comment.id }),
      commentKeys.byArticle({ articleId: comment.articleId }),
    ],
    capture: [
      {
        table: 'Comment',
        columns: ['id', 'articleId'],
        toEntity: (row) => keyState<Comment>({ id: intColumn(row, 'id'), articleId: intColumn(row, 'articleId') }),
      },
    ],
  });
