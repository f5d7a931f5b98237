import type { Repository } from 'cachedrepo';
import type { ProjectedRepository } from 'cachedrepo/ids';

/**
 * The blog's domain (a second example application, REDIS_CACHE.md section 17): members who write articles, tag them,
 * favorite them, follow each other and comment. Ids are Prisma `Int`s; the two join rows a member writes (a favorite,
 * a follow) and the article-tag link have composite ids.
 */

export interface Member {
  readonly id: number;
  username: string;
  /** The secret field: the cached layer keeps it out of Redis (`omit`), only the plain repository returns it. */
  passwordHash: string;
  bio: string;
  createdAt: Date;
}

export interface Article {
  readonly id: number;
  authorId: number;
  title: string;
  body: string;
  createdAt: Date;
}

export interface Tag {
  readonly id: number;
  name: string;
}

/** The many-to-many link of an article and a tag. */
export interface ArticleTag {
  readonly id: { articleId: number; tagId: number };
  createdAt: Date;
}

/** A member's favorite article. */
export interface Favorite {
  readonly id: { memberId: number; articleId: number };
  createdAt: Date;
}

/** A member following another. */
export interface Follow {
  readonly id: { followerId: number; followeeId: number };
  createdAt: Date;
}

export interface Comment {
  readonly id: number;
  articleId: number;
  authorId: number;
  body: string;
  createdAt: Date;
}

/** One page of a list, by offset. */
export interface Page {
  limit: number;
  offset: number;
}

// Ports: the generic CRUD plus the finders each list needs. Lists are newest first; the long ones (an author's
// articles, a tag's articles, a member's favorites) are read a page at a time.

export interface MemberRepository extends Repository<Member> {
  findByUsername(username: string): Promise<Member | null>;
}
export interface ArticleRepository extends Repository<Article> {
  findByAuthor(authorId: number, page: Page): Promise<Article[]>;
}
export interface TagRepository extends Repository<Tag> {
  findByName(name: string): Promise<Tag | null>;
}
export interface ArticleTagRepository extends Repository<ArticleTag> {
  /** The links of one tag: the articles tagged with it. */
  findByTag(tagId: number, page: Page): Promise<ArticleTag[]>;
  /** The links of one article: its tags. */
  findByArticle(articleId: number): Promise<ArticleTag[]>;
}
export interface FavoriteRepository extends Repository<Favorite> {
  /** The favorites one member gave. */
  findByMember(memberId: number, page: Page): Promise<Favorite[]>;
  /** The favorites one article received (their count is the article's `favoritesCount`). */
  findByArticle(articleId: number): Promise<Favorite[]>;
}
export interface FollowRepository extends Repository<Follow> {
  /** Whom one member follows. */
  findByFollower(followerId: number): Promise<Follow[]>;
  /** Who follows one member. */
  findByFollowee(followeeId: number): Promise<Follow[]>;
}
export interface CommentRepository extends Repository<Comment> {
  findByArticle(articleId: number): Promise<Comment[]>;
}

/** A member repository whose members may lack `passwordHash` (the cached one never returns it). */
export type PublicMemberRepository = ProjectedRepository<MemberRepository, 'passwordHash'>;

/** The blog's repositories, cached or plain (callers cannot tell). */
export interface BlogRepositories {
  members: PublicMemberRepository;
  articles: ArticleRepository;
  tags: TagRepository;
  articleTags: ArticleTagRepository;
  favorites: FavoriteRepository;
  follows: FollowRepository;
  comments: CommentRepository;
}
