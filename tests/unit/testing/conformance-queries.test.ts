import { AssertionError } from 'node:assert';
import { defineCacheStrategy, type CacheStrategy } from 'cachedrepo';
import { intId } from 'cachedrepo/ids';
import { findConformanceFailures, type ConformanceFailure, type StrategyConformanceCase } from 'cachedrepo/testing';
import { articleKeys, articleStrategy, type Article, type ArticleRepository } from '../../support/articles';

// The conformance suite with collection queries, and an entity held by several calls of one query (an article is in
// the pages of each of its tags): `holding` names every call, and each call's key is checked (before, only the one
// call a holding function returned was, so a strategy that named its first tag only passed).

const samples: readonly [Article, ...Article[]] = [
  { id: 1, title: 'Caching', tags: ['redis', 'databases'] },
  { id: 2, title: 'Untagged', tags: [] },
];

/** No cast, no annotation: the calls are typed from the strategy's repository. */
const caseOf = (
  strategy: CacheStrategy<Article, ArticleRepository>,
): StrategyConformanceCase<Article, ArticleRepository> => ({
  strategy,
  samples,
  holding: {
    findAll: false,
    findByTag: (article) => ({ calls: article.tags.map((tag) => [tag, { limit: 20, offset: 0 }]) }),
    findByTagAfter: (article) => ({ calls: article.tags.map((tag) => [tag, null, 20]) }),
  },
});

const messages = (failures: readonly ConformanceFailure[]): string => {
  for (const { error } of failures) expect(error).toBeInstanceOf(AssertionError);
  return failures.map(({ error }) => (error as Error).message).join('\n');
};

/** The article strategy with other keysOf or collection functions. */
function mutant(
  keysOf: (article: Article) => string[],
  collection: (tag: string) => string = (tag) => articleKeys.byTag({ tag }),
): CacheStrategy<Article, ArticleRepository> {
  return defineCacheStrategy<Article, ArticleRepository>({
    entityType: 'article',
    namespaces: [articleKeys.$namespace],
    ttlSeconds: 60,
    id: intId(),
    entityKey: (id) => articleKeys.byId({ id }),
    queries: {
      findByTag: { collection },
      findByTagAfter: { collection, variant: (_tag, after, limit) => ({ after, limit }) },
    },
    keysOf,
  });
}

describe('the conformance suite with collection queries and several calls per query', () => {
  it('passes a strategy whose keysOf names the collection of every tag', () => {
    expect(findConformanceFailures(caseOf(articleStrategy()))).toEqual([]);
  });

  it('fails a strategy that names the collection of the first tag only, naming the other', () => {
    const firstTagOnly = mutant((article) => [
      articleKeys.byId({ id: article.id }),
      ...article.tags.slice(0, 1).map((tag) => articleKeys.byTag({ tag })),
    ]);
    const failures = findConformanceFailures(caseOf(firstTagOnly));
    expect(failures.length).toBeGreaterThan(0);
    expect(messages(failures)).toMatch(
      /misses article:tag:databases \(findByTag\("databases", \{"limit":20,"offset":0\}\) holds the new state\)/,
    );
  });

  it('fails a collection function that gives two tags one collection key', () => {
    const truncated = (tag: string): string => articleKeys.byTag({ tag: tag.slice(0, 2) });
    const keysOf = (article: Article): string[] => [
      articleKeys.byId({ id: article.id }),
      ...article.tags.map((tag) => truncated(tag)),
    ];
    expect(messages(findConformanceFailures(caseOf(mutant(keysOf, truncated))))).toMatch(
      /findByTag(After)?\(.*\) and findByTag(After)?\(.*\) both give the key/,
    );
  });

  it('fails a holding function that returns neither arguments, calls nor null', () => {
    const broken = caseOf(articleStrategy());
    const failures = findConformanceFailures({
      ...broken,
      holding: { ...broken.holding, findByTag: () => ({ calls: 'redis' }) as never },
    });
    expect(messages(failures)).toMatch(/holding\.findByTag must return one call's arguments \(an array\), \{ calls/);
  });
});
