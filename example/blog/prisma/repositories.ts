import type { Prisma, PrismaClient } from '../../../generated/prisma/client';
import { compositeId, intId, type AnyEntity } from 'cachedrepo/ids';
import { byCreation, PrismaRepository, type ModelDelegate, type OrderBy, type RowMapper } from 'cachedrepo/prisma';
import type {
  Article,
  ArticleTag,
  ArticleTagRepository,
  Comment,
  CommentRepository,
  Favorite,
  FavoriteRepository,
  Follow,
  FollowRepository,
  Member,
  MemberRepository,
  Tag,
  TagRepository,
  ArticleRepository,
  Page,
} from '../domain';
import { compositeShape, sameShape } from './mappers';

/**
 * The blog's plain repositories over Prisma: `PrismaRepository` (CRUD, the before-image of updates, ids checked)
 * with the finders each port adds, every one a `where` on indexed columns. Lists are newest first.
 */

type Tx = Prisma.TransactionClient;
/** Newest first, ties broken by the key columns (a composite id has no `id`). */
const newest = (...keys: string[]): OrderBy => [
  { createdAt: 'desc' },
  ...keys.map((key) => ({ [key]: 'desc' as const })),
];

/** One page of the rows matching `where` (Prisma's `skip` and `take`), as entities. */
async function pageOf<T extends AnyEntity, Row, Id>(
  model: ModelDelegate<Row, Id>,
  mapper: RowMapper<T, Row>,
  where: object,
  orderBy: OrderBy,
  page: Page,
): Promise<T[]> {
  // The port's findMany names where and orderBy only; the generated delegate takes skip and take too.
  const args = { where, orderBy, skip: page.offset, take: page.limit };
  return (await model.findMany(args)).map((row) => mapper.toDomain(row));
}

/** The first entity of a list, or null (a finder of a unique column). */
async function first<T extends AnyEntity>(list: Promise<T[]>): Promise<T | null> {
  return (await list)[0] ?? null;
}

export class PrismaMemberRepository
  extends PrismaRepository<Member, Prisma.MemberGetPayload<object>, Tx>
  implements MemberRepository
{
  constructor(prisma: PrismaClient) {
    super('Member', prisma, (db) => db.member, sameShape(), byCreation, { id: intId() });
  }
  findByUsername(username: string): Promise<Member | null> {
    return first(this.findManyMapped({ username } satisfies Prisma.MemberWhereInput, byCreation));
  }
}

export class PrismaArticleRepository
  extends PrismaRepository<Article, Prisma.ArticleGetPayload<object>, Tx>
  implements ArticleRepository
{
  constructor(prisma: PrismaClient) {
    super('Article', prisma, (db) => db.article, sameShape(), byCreation, { id: intId() });
  }
  findByAuthor(authorId: number, page: Page): Promise<Article[]> {
    return pageOf(this.model, this.mapper, { authorId } satisfies Prisma.ArticleWhereInput, newest('id'), page);
  }
}

export class PrismaTagRepository
  extends PrismaRepository<Tag, Prisma.TagGetPayload<object>, Tx>
  implements TagRepository
{
  constructor(prisma: PrismaClient) {
    super('Tag', prisma, (db) => db.tag, sameShape(), [{ id: 'asc' }], { id: intId() });
  }
  findByName(name: string): Promise<Tag | null> {
    return first(this.findManyMapped({ name } satisfies Prisma.TagWhereInput, [{ id: 'asc' }]));
  }
}

const ARTICLE_TAG = ['articleId', 'tagId'] as const;
export class PrismaArticleTagRepository
  extends PrismaRepository<ArticleTag, Prisma.ArticleTagGetPayload<object>, Tx>
  implements ArticleTagRepository
{
  constructor(prisma: PrismaClient) {
    super('ArticleTag', prisma, (db) => db.articleTag, compositeShape(ARTICLE_TAG), newest(...ARTICLE_TAG), {
      id: compositeId({ articleId: 'int', tagId: 'int' }),
    });
  }
  findByTag(tagId: number, page: Page): Promise<ArticleTag[]> {
    const where = { tagId } satisfies Prisma.ArticleTagWhereInput;
    return pageOf(this.model, this.mapper, where, newest(...ARTICLE_TAG), page);
  }
  findByArticle(articleId: number): Promise<ArticleTag[]> {
    return this.findManyMapped({ articleId } satisfies Prisma.ArticleTagWhereInput, [{ tagId: 'asc' }]);
  }
}

const FAVORITE = ['memberId', 'articleId'] as const;
export class PrismaFavoriteRepository
  extends PrismaRepository<Favorite, Prisma.FavoriteGetPayload<object>, Tx>
  implements FavoriteRepository
{
  constructor(prisma: PrismaClient) {
    super('Favorite', prisma, (db) => db.favorite, compositeShape(FAVORITE), newest(...FAVORITE), {
      id: compositeId({ memberId: 'int', articleId: 'int' }),
    });
  }
  findByMember(memberId: number, page: Page): Promise<Favorite[]> {
    return pageOf(this.model, this.mapper, { memberId } satisfies Prisma.FavoriteWhereInput, newest(...FAVORITE), page);
  }
  findByArticle(articleId: number): Promise<Favorite[]> {
    return this.findManyMapped({ articleId } satisfies Prisma.FavoriteWhereInput, newest(...FAVORITE));
  }
}

const FOLLOW = ['followerId', 'followeeId'] as const;
export class PrismaFollowRepository
  extends PrismaRepository<Follow, Prisma.FollowGetPayload<object>, Tx>
  implements FollowRepository
{
  constructor(prisma: PrismaClient) {
    super('Follow', prisma, (db) => db.follow, compositeShape(FOLLOW), newest(...FOLLOW), {
      id: compositeId({ followerId: 'int', followeeId: 'int' }),
    });
  }
  findByFollower(followerId: number): Promise<Follow[]> {
    return this.findManyMapped({ followerId } satisfies Prisma.FollowWhereInput, newest(...FOLLOW));
  }
  findByFollowee(followeeId: number): Promise<Follow[]> {
    return this.findManyMapped({ followeeId } satisfies Prisma.FollowWhereInput, newest(...FOLLOW));
  }
}

export class PrismaCommentRepository
  extends PrismaRepository<Comment, Prisma.CommentGetPayload<object>, Tx>
  implements CommentRepository
{
  constructor(prisma: PrismaClient) {
    super('Comment', prisma, (db) => db.comment, sameShape(), byCreation, { id: intId() });
  }
  findByArticle(articleId: number): Promise<Comment[]> {
    return this.findManyMapped({ articleId } satisfies Prisma.CommentWhereInput, byCreation);
  }
}
