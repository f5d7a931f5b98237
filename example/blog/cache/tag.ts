import { defineCacheStrategy, defineKeySchema } from 'cachedrepo';
import { compositeId, intId } from 'cachedrepo/ids';
import type { ArticleTag, ArticleTagRepository, Tag, TagRepository } from '../domain';
import { intColumn, keyState, textColumn } from './row-image';

export const tagKeys = defineKeySchema({ byId: 'tag:{id}', byName: 'tag:name:{name}' });
export const articleTagKeys = defineKeySchema({
  byId: 'articletag:{articleId}:{tagId}',
  byTag: 'articletag:tag:{tagId}',
  byArticle: 'articletag:article:{articleId}',
});

/** A tag, by id and by name. */
export const tagCacheStrategy = (ttlSeconds: number) =>
  defineCacheStrategy<Tag, TagRepository>({
    entityType: 'tag',
    namespaces: [tagKeys.$namespace],
    ttlSeconds,
    id: intId(),
    entityKey: (id) => tagKeys.byId({ id }),
    queries: { findByName: { key: (name) => tagKeys.byName({ name }), shape: 'one' } },
    keysOf: (tag) => [tagKeys.byId({ id: tag.id }), tagKeys.byName({ name: tag.name })],
    capture: [
      {
        table: 'Tag',
        columns: ['id', 'name'],
        toEntity: (row) => keyState<Tag>({ id: intColumn(row, 'id'), name: textColumn(row, 'name') }),
      },
    ],
  });

/**
 * The article-tag link, a many-to-many relation: a link written or removed makes stale the tag's side (the articles
 * listed under the tag) and the article's side (its tag list). Retagging an article moves it from one tag's list to
 * another's: the two links' writes clear both.
 */
export const articleTagCacheStrategy = (ttlSeconds: number) =>
  defineCacheStrategy<ArticleTag, ArticleTagRepository>({
    entityType: 'articletag',
    namespaces: [articleTagKeys.$namespace],
    ttlSeconds,
    id: compositeId({ articleId: 'int', tagId: 'int' }),
    entityKey: (id) => articleTagKeys.byId(id),
    queries: {
      findByTag: { collection: (tagId) => articleTagKeys.byTag({ tagId }) },
      findByArticle: { key: (articleId) => articleTagKeys.byArticle({ articleId }) },
    },
    keysOf: ({ id }) => [
      articleTagKeys.byId(id),
      articleTagKeys.byTag({ tagId: id.tagId }),
      articleTagKeys.byArticle({ articleId: id.articleId }),
    ],
    capture: [
      {
        table: 'ArticleTag',
        columns: ['articleId', 'tagId'],
        toEntity: (row) =>
          keyState<ArticleTag>({ id: { articleId: intColumn(row, 'articleId'), tagId: intColumn(row, 'tagId') } }),
      },
    ],
  });
