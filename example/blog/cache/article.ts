import { defineCacheStrategy, defineKeySchema } from 'cachedrepo';
import { intId } from 'cachedrepo/ids';
import type { Article, ArticleRepository } from '../domain';
import { intColumn, keyState } from './row-image';

export const articleKeys = defineKeySchema({ byId: 'article:{id}', byAuthor: 'article:author:{authorId}' });

/**
 * An article, by id and in its author's list. Its tags, favorites and comments are rows of their own, whose strategies
 * name the keys of both sides they change (tag.ts, favorite.ts, comment.ts): an article's list by tag holds links, not
 * articles, so retitling an article clears only `article:{id}` and its author's list.
 */
export const articleCacheStrategy = (ttlSeconds: number) =>
  defineCacheStrategy<Article, ArticleRepository>({
    entityType: 'article',
    namespaces: [articleKeys.$namespace],
    ttlSeconds,
    id: intId(),
    entityKey: (id) => articleKeys.byId({ id }),
    queries: { findByAuthor: { collection: (authorId) => articleKeys.byAuthor({ authorId }) } },
    keysOf: (article) => [articleKeys.byId({ id: article.id }), articleKeys.byAuthor({ authorId: article.authorId })],
    capture: [
      {
        table: 'Article',
        columns: ['id', 'authorId'],
        toEntity: (row) => keyState<Article>({ id: intColumn(row, 'id'), authorId: intColumn(row, 'authorId') }),
      },
    ],
  });
