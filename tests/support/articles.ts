import { defineCacheStrategy, defineKeySchema, type CacheStrategy, type Repository } from 'cachedrepo';
import { intId } from 'cachedrepo/ids';
import { KeyedMemoryRepository } from './keyed-memory';

/** An article with tags: each tag is a collection of articles, read in pages (collection queries). */
export interface Article {
  readonly id: number;
  title: string;
  tags: string[];
}

/** A page by offset. */
export interface Page {
  limit: number;
  offset: number;
}

export interface ArticleRepository extends Repository<Article> {
  /** The articles with `tag`, by id, one page of them. */
  findByTag(tag: string, page: Page): Promise<Article[]>;
  /** The articles with `tag` and an id above `after` (a cursor), at most `limit` of them. */
  findByTagAfter(tag: string, after: number | null, limit: number): Promise<Article[]>;
}

/**
 * Articles in memory. `gate`, when set, holds every `findByTag` after it has read its rows and before it returns
 * them: a load that read the state before a write and returns after it.
 */
export class MemoryArticles extends KeyedMemoryRepository<Article> implements ArticleRepository {
  gate: Promise<void> | null = null;

  constructor() {
    let next = 0;
    super(intId(), () => (next += 1));
  }

  protected override copy(article: Article): Article {
    return { ...article, tags: [...article.tags] };
  }

  async findByTag(tag: string, page: Page): Promise<Article[]> {
    this.count('findByTag');
    const rows = this.tagged(tag).slice(page.offset, page.offset + page.limit);
    if (this.gate) await this.gate;
    return rows;
  }

  async findByTagAfter(tag: string, after: number | null, limit: number): Promise<Article[]> {
    this.count('findByTagAfter');
    return this.tagged(tag)
      .filter((article) => after === null || article.id > after)
      .slice(0, limit);
  }

  private tagged(tag: string): Article[] {
    return [...this.rows.values()]
      .filter((article) => article.tags.includes(tag))
      .sort((a, b) => a.id - b.id)
      .map((article) => this.copy(article));
  }
}

export const articleKeys = defineKeySchema({ byId: 'article:{id}', byTag: 'article:tag:{tag}' });

/** Pages of a tag are collection queries: the tag's key holds its generation. With `nearCache`, pages are kept near. */
export function articleStrategy(
  ttlSeconds = 600,
  nearCache?: { maxEntries: number },
): CacheStrategy<Article, ArticleRepository> {
  return defineCacheStrategy<Article, ArticleRepository>({
    entityType: 'article',
    namespaces: [articleKeys.$namespace],
    ttlSeconds,
    id: intId(),
    entityKey: (id) => articleKeys.byId({ id }),
    queries: {
      findByTag: { collection: (tag) => articleKeys.byTag({ tag }) },
      findByTagAfter: {
        collection: (tag) => articleKeys.byTag({ tag }),
        variant: (_tag, after, limit) => ({ after, limit }),
      },
    },
    keysOf: (article) => [
      articleKeys.byId({ id: article.id }),
      ...article.tags.map((tag) => articleKeys.byTag({ tag })),
    ],
    ...(nearCache ? { nearCache } : {}),
  });
}
