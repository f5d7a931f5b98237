import type { Prisma, PrismaClient } from '../../../generated/prisma/client';
import { compositeId, intId } from 'cachedrepo/ids';
import { byCreation, definePrismaRepository, type OrderBy } from 'cachedrepo/prisma';
import type { Article, ArticleTag, Comment, Favorite, Follow, Member, Page, Tag } from '../domain';
import { compositeShape, sameShape } from './mappers';

/**
 * The blog's plain repositories over Prisma, without a class each: `definePrismaRepository` gives the CRUD of
 * `PrismaRepository` (ids checked, before-images, the outbox row in the write's transaction) and turns each declared
 * finder, a `where` typed from the generated client, into a method. Lists are newest first.
 */

/** Newest first, ties broken by the key columns (a composite id has no `id`). */
const newest = (...keys: string[]): OrderBy => [
  { createdAt: 'desc' },
  ...keys.map((key) => ({ [key]: 'desc' as const })),
];
const ARTICLE_TAG = ['articleId', 'tagId'];
const FAVORITE = ['memberId', 'articleId'];
const FOLLOW = ['followerId', 'followeeId'];

/** The seven repositories, typed as what they are (a cached repository wraps them: it needs their before-images). */
export function prismaRepositories(prisma: PrismaClient) {
  const members = definePrismaRepository(
    prisma,
    {
      entityType: 'Member',
      model: (db) => db.member,
      mapper: sameShape<Member, Prisma.MemberGetPayload<object>>(),
      listOrder: byCreation,
      unique: { findByUsername: (username: string) => ({ where: { username } }) },
    },
    { id: intId() },
  );
  const articles = definePrismaRepository(
    prisma,
    {
      entityType: 'Article',
      model: (db) => db.article,
      mapper: sameShape<Article, Prisma.ArticleGetPayload<object>>(),
      listOrder: newest('id'),
      finders: { findByAuthor: (authorId: number, page: Page) => ({ where: { authorId }, page }) },
    },
    { id: intId() },
  );
  const tags = definePrismaRepository(
    prisma,
    {
      entityType: 'Tag',
      model: (db) => db.tag,
      mapper: sameShape<Tag, Prisma.TagGetPayload<object>>(),
      listOrder: [{ id: 'asc' }],
      unique: { findByName: (name: string) => ({ where: { name } }) },
    },
    { id: intId() },
  );
  const articleTags = definePrismaRepository(
    prisma,
    {
      entityType: 'ArticleTag',
      model: (db) => db.articleTag,
      mapper: compositeShape<ArticleTag, Prisma.ArticleTagGetPayload<object>>(ARTICLE_TAG),
      listOrder: newest(...ARTICLE_TAG),
      finders: {
        findByTag: (tagId: number, page: Page) => ({ where: { tagId }, page }),
        findByArticle: (articleId: number) => ({ where: { articleId }, orderBy: [{ tagId: 'asc' as const }] }),
      },
    },
    { id: compositeId({ articleId: 'int', tagId: 'int' }) },
  );
  const favorites = definePrismaRepository(
    prisma,
    {
      entityType: 'Favorite',
      model: (db) => db.favorite,
      mapper: compositeShape<Favorite, Prisma.FavoriteGetPayload<object>>(FAVORITE),
      listOrder: newest(...FAVORITE),
      finders: {
        findByMember: (memberId: number, page: Page) => ({ where: { memberId }, page }),
        findByArticle: (articleId: number) => ({ where: { articleId } }),
      },
    },
    { id: compositeId({ memberId: 'int', articleId: 'int' }) },
  );
  const follows = definePrismaRepository(
    prisma,
    {
      entityType: 'Follow',
      model: (db) => db.follow,
      mapper: compositeShape<Follow, Prisma.FollowGetPayload<object>>(FOLLOW),
      listOrder: newest(...FOLLOW),
      finders: {
        findByFollower: (followerId: number) => ({ where: { followerId } }),
        findByFollowee: (followeeId: number) => ({ where: { followeeId } }),
      },
    },
    { id: compositeId({ followerId: 'int', followeeId: 'int' }) },
  );
  const comments = definePrismaRepository(
    prisma,
    {
      entityType: 'Comment',
      model: (db) => db.comment,
      mapper: sameShape<Comment, Prisma.CommentGetPayload<object>>(),
      listOrder: byCreation,
      finders: { findByArticle: (articleId: number) => ({ where: { articleId } }) },
    },
    { id: intId() },
  );
  return { members, articles, tags, articleTags, favorites, follows, comments };
}
