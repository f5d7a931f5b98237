import { articleCacheStrategy } from '../../../../example/blog/cache/article';
import { favoriteCacheStrategy } from '../../../../example/blog/cache/favorite';
import { followCacheStrategy } from '../../../../example/blog/cache/follow';
import { memberCacheStrategy } from '../../../../example/blog/cache/member';
import { intColumn, textColumn } from '../../../../example/blog/cache/row-image';
import { blogCaptureStrategies } from '../../../../example/blog/cache/strategies';
import { articleTagCacheStrategy } from '../../../../example/blog/cache/tag';

const at = new Date(0);

// The relations of REDIS_CACHE.md section 17: a join row's write names the keys of both sides, through the repository
// (affectedKeys) and through change capture (its row image) alike.
describe('blog relations', () => {
  it('a favorite clears the per-viewer flag, the member side and the article side', () => {
    const favorite = { id: { memberId: 3, articleId: 7 }, createdAt: at };
    const keys = ['favorite:3:7', 'favorite:member:3', 'favorite:article:7'];
    expect(favoriteCacheStrategy(60).affectedKeys(null, favorite).sort()).toEqual([...keys].sort());
    const [table] = favoriteCacheStrategy(60).capture ?? [];
    const fromRow = table!.toEntity({ memberId: 3, articleId: 7 });
    expect(favoriteCacheStrategy(60).affectedKeys(fromRow, null).sort()).toEqual([...keys].sort());
  });

  it('a follow clears the flag, the follower side and the followee side', () => {
    const follow = { id: { followerId: 1, followeeId: 2 }, createdAt: at };
    expect(followCacheStrategy(60).affectedKeys(follow, null).sort()).toEqual(
      ['follow:1:2', 'follow:follower:1', 'follow:followee:2'].sort(),
    );
  });

  it('an article-tag link clears the tag collection and the article side; a retitle clears neither', () => {
    const link = { id: { articleId: 5, tagId: 9 }, createdAt: at };
    expect(articleTagCacheStrategy(60).affectedKeys(null, link).sort()).toEqual(
      ['articletag:5:9', 'articletag:article:5', 'articletag:tag:9'].sort(),
    );
    const article = { id: 5, authorId: 1, title: 'a', body: 'b', createdAt: at };
    expect(
      articleCacheStrategy(60)
        .affectedKeys(article, { ...article, title: 'c' })
        .sort(),
    ).toEqual(['article:5', 'article:author:1'].sort());
  });

  it('keeps the password hash out of the cache, and captures every table of the blog', () => {
    expect(memberCacheStrategy(60).omitted).toEqual(['passwordHash']);
    const tables = blogCaptureStrategies().flatMap((strategy) => (strategy.capture ?? []).map(({ table }) => table));
    expect(tables.sort()).toEqual(['Article', 'ArticleTag', 'Comment', 'Favorite', 'Follow', 'Member', 'Tag']);
  });

  it('refuses a row image whose key column is missing or of another type (capture then clears the prefix)', () => {
    expect(intColumn({ id: 4 }, 'id')).toBe(4);
    expect(() => intColumn({ id: '4' }, 'id')).toThrow('column id is not an integer');
    expect(() => intColumn({}, 'id')).toThrow('column id is not an integer');
    expect(textColumn({ name: 'x' }, 'name')).toBe('x');
    expect(() => textColumn({ name: 1 }, 'name')).toThrow('column name is not text');
  });
});
