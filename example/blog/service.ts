import { randomBytes, scryptSync } from 'node:crypto';
import type { Article, BlogRepositories, Member, Page } from './domain';

/** A failure a caller caused, with the HTTP status it maps to. */
export class BlogError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = 'BlogError';
  }
}

/** A member as anyone may see it: never the password hash. */
export interface PublicMember {
  id: number;
  username: string;
  bio: string;
  createdAt: Date;
}
/** A profile, seen by `viewer`: `following` says whether the viewer follows it. */
export interface Profile extends PublicMember {
  following: boolean;
  followersCount: number;
}
/** An article, seen by `viewer`: `favorited` says whether the viewer favorited it. */
export interface ArticleView extends Article {
  tags: string[];
  favorited: boolean;
  favoritesCount: number;
}
/** Which articles a list holds: one filter at a time, newest first. */
export type ArticleFilter = { tag: string } | { authorId: number } | { favoritedBy: number };
/** One page of a list; `hasMore` says whether a next page has articles. */
export interface ArticlePage {
  articles: ArticleView[];
  hasMore: boolean;
}

const publicMember = ({ id, username, bio, createdAt }: Omit<Member, 'passwordHash'>): PublicMember => ({
  id,
  username,
  bio,
  createdAt,
});

/** `scrypt` with a random salt: `salt:hash`, hex. */
export function hashPassword(password: string): string {
  const salt = randomBytes(16).toString('hex');
  return `${salt}:${scryptSync(password, salt, 32).toString('hex')}`;
}

/**
 * The blog's use cases over its repositories, cached or plain: per-viewer flags and counts are read from the join
 * entities' repositories (the row or its absence, the list of one side), so a favorite, a follow or a cascade that
 * changes them also clears them (their strategies, example/blog/cache).
 */
export class BlogService {
  constructor(private readonly repos: BlogRepositories) {}

  async register(username: string, password: string, bio = ''): Promise<PublicMember> {
    if (!/^[a-z0-9_]{1,40}$/i.test(username)) throw new BlogError(400, 'username: 1 to 40 letters, digits or _');
    if (await this.repos.members.findByUsername(username)) throw new BlogError(409, `username ${username} is taken`);
    return publicMember(await this.repos.members.save({ username, passwordHash: hashPassword(password), bio }));
  }

  async member(id: number): Promise<PublicMember> {
    return publicMember(await this.existingMember(id));
  }

  /** Deletes a member; the database deletes their articles, favorites, follows and comments (ON DELETE CASCADE). */
  async deleteMember(viewer: number, id: number): Promise<void> {
    if (viewer !== id) throw new BlogError(403, 'members delete only themselves');
    if (!(await this.repos.members.delete(id))) throw new BlogError(404, `no member ${id}`);
  }

  async profile(id: number, viewer: number | null): Promise<Profile> {
    const member = await this.existingMember(id);
    const [followers, following] = await Promise.all([
      this.repos.follows.findByFollowee(id),
      viewer === null ? null : this.repos.follows.findById({ followerId: viewer, followeeId: id }),
    ]);
    return { ...publicMember(member), following: following !== null, followersCount: followers.length };
  }

  async follow(viewer: number, followeeId: number): Promise<Profile> {
    if (viewer === followeeId) throw new BlogError(400, 'members do not follow themselves');
    await this.existingMember(followeeId);
    const id = { followerId: viewer, followeeId };
    if (!(await this.repos.follows.findById(id))) await this.repos.follows.save({ id });
    return this.profile(followeeId, viewer);
  }

  async unfollow(viewer: number, followeeId: number): Promise<Profile> {
    await this.repos.follows.delete({ followerId: viewer, followeeId });
    return this.profile(followeeId, viewer);
  }

  async article(id: number, viewer: number | null): Promise<ArticleView> {
    const article = await this.repos.articles.findById(id);
    if (!article) throw new BlogError(404, `no article ${id}`);
    return this.view(article, viewer);
  }

  async articles(filter: ArticleFilter, page: Page, viewer: number | null): Promise<ArticlePage> {
    // One more than the page: whether there is a next page, without counting the list.
    const ids = await this.articleIds(filter, { limit: page.limit + 1, offset: page.offset });
    const found = await this.repos.articles.findByIds(ids.slice(0, page.limit));
    const views = await Promise.all(found.map((article) => this.view(article, viewer)));
    return { articles: views, hasMore: ids.length > page.limit };
  }

  async createArticle(viewer: number, input: { title: string; body: string; tags: string[] }): Promise<ArticleView> {
    await this.existingMember(viewer);
    const article = await this.repos.articles.save({ authorId: viewer, title: input.title, body: input.body });
    await this.retag(article.id, [], input.tags);
    return this.view(article, viewer);
  }

  async updateArticle(
    viewer: number,
    id: number,
    changes: { title?: string; body?: string; tags?: string[] },
  ): Promise<ArticleView> {
    const article = await this.authored(viewer, id);
    const { tags, ...fields } = changes;
    const updated = Object.keys(fields).length > 0 ? await this.repos.articles.update(id, fields) : article;
    if (tags) await this.retag(id, await this.tagNames(id), tags);
    return this.view(updated, viewer);
  }

  /** Deletes an article; the database deletes its tag links, favorites and comments (ON DELETE CASCADE). */
  async deleteArticle(viewer: number, id: number): Promise<void> {
    await this.authored(viewer, id);
    await this.repos.articles.delete(id);
  }

  async favorite(viewer: number, articleId: number): Promise<ArticleView> {
    const article = await this.repos.articles.findById(articleId);
    if (!article) throw new BlogError(404, `no article ${articleId}`);
    const id = { memberId: viewer, articleId };
    if (!(await this.repos.favorites.findById(id))) await this.repos.favorites.save({ id });
    return this.view(article, viewer);
  }

  async unfavorite(viewer: number, articleId: number): Promise<ArticleView> {
    await this.repos.favorites.delete({ memberId: viewer, articleId });
    return this.article(articleId, viewer);
  }

  async comment(viewer: number, articleId: number, body: string) {
    if (!(await this.repos.articles.findById(articleId))) throw new BlogError(404, `no article ${articleId}`);
    return this.repos.comments.save({ articleId, authorId: viewer, body });
  }

  comments(articleId: number) {
    return this.repos.comments.findByArticle(articleId);
  }

  /** The ids of one page of a list, each page cached in the list's collection (the strategies' `collection`). */
  private async articleIds(filter: ArticleFilter, page: Page): Promise<number[]> {
    if ('tag' in filter) {
      const tag = await this.repos.tags.findByName(filter.tag);
      return tag ? (await this.repos.articleTags.findByTag(tag.id, page)).map(({ id }) => id.articleId) : [];
    }
    if ('authorId' in filter)
      return (await this.repos.articles.findByAuthor(filter.authorId, page)).map(({ id }) => id);
    return (await this.repos.favorites.findByMember(filter.favoritedBy, page)).map(({ id }) => id.articleId);
  }

  private async view(article: Article, viewer: number | null): Promise<ArticleView> {
    const [tags, favorites, favorite] = await Promise.all([
      this.tagNames(article.id),
      this.repos.favorites.findByArticle(article.id),
      viewer === null ? null : this.repos.favorites.findById({ memberId: viewer, articleId: article.id }),
    ]);
    return { ...article, tags, favorited: favorite !== null, favoritesCount: favorites.length };
  }

  private async tagNames(articleId: number): Promise<string[]> {
    const links = await this.repos.articleTags.findByArticle(articleId);
    const tags = await this.repos.tags.findByIds(links.map(({ id }) => id.tagId));
    return tags.map(({ name }) => name).sort();
  }

  /** Links `articleId` to the tags of `next` missing from `current` (creating tags), unlinks the others. */
  private async retag(articleId: number, current: readonly string[], next: readonly string[]): Promise<void> {
    for (const name of current.filter((tag) => !next.includes(tag))) {
      const tag = await this.repos.tags.findByName(name);
      if (tag) await this.repos.articleTags.delete({ articleId, tagId: tag.id });
    }
    for (const name of [...new Set(next)].filter((tag) => !current.includes(tag))) {
      const tag = (await this.repos.tags.findByName(name)) ?? (await this.repos.tags.save({ name }));
      await this.repos.articleTags.save({ id: { articleId, tagId: tag.id } });
    }
  }

  private async existingMember(id: number): Promise<Omit<Member, 'passwordHash'>> {
    const member = await this.repos.members.findById(id);
    if (!member) throw new BlogError(404, `no member ${id}`);
    return member;
  }

  private async authored(viewer: number, id: number): Promise<Article> {
    const article = await this.repos.articles.findById(id);
    if (!article) throw new BlogError(404, `no article ${id}`);
    if (article.authorId !== viewer) throw new BlogError(403, 'only its author changes an article');
    return article;
  }
}
