import type { DependencyContainer } from 'tsyringe';
import type { CacheService } from 'cachedrepo';
import { PrismaOutbox } from 'cachedrepo/prisma';
import { ACHIEVEMENTS, TOKENS, achievementKeys, seedStudyData, userKeys, type SeedSummary } from '../index';
import { check, heading, line, ms, table, timed } from './report';

/**
 * Prints whether each key holds an entry, and returns the answers. Waits first for the stores that
 * earlier misses sent behind their callers (a miss returns before its store is done), so that a
 * check of what is cached observes the stores instead of racing them.
 */
async function showKeys(cache: CacheService, keys: string[]): Promise<boolean[]> {
  await cache.storesSettled();
  const present = await Promise.all(keys.map(async (key) => (await cache.read(key)).kind === 'value'));
  keys.forEach((key, index) => line(`    ${present[index] ? 'cached ' : 'absent '} ${cache.fullKey(key)}`));
  return present;
}

/**
 * Waits until the invalidation outbox is empty: every eviction a write recorded there has been
 * delivered to Redis (its deliverer UNLINKs a row's keys, then removes the row). A write's keys are
 * UNLINKed twice, by the write and by the deliverer (REDIS_CACHE.md, section 5), so an entry stored
 * between the two is removed by the second: a check that expects an entry after a write waits for this.
 * @returns false when the outbox was not empty within 10 s
 */
async function outboxDelivered(container: DependencyContainer): Promise<boolean> {
  const outbox = new PrismaOutbox(container.resolve(TOKENS.PrismaClient));
  const deadline = Date.now() + 10_000;
  while ((await outbox.read(1)).length > 0) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/** The seeded learners, or, when the database was seeded without them, learners seeded now through the same ports. */
async function learners(container: DependencyContainer, seed: SeedSummary): Promise<string[]> {
  if (seed.ids.users.length > 0) return seed.ids.users;
  const decks = await container.resolve(TOKENS.DeckRepository).findAll();
  const cardRepository = container.resolve(TOKENS.CardRepository);
  const cards = (await Promise.all(decks.map((deck) => cardRepository.findByDeckId(deck.id)))).flat();
  const study = {
    study: container.resolve(TOKENS.StudyRepository),
    achievements: container.resolve(TOKENS.AchievementRepository),
  };
  const seeded = await seedStudyData(study, decks, cards);
  line(
    `  (seeded ${seeded.userIds.length} learners with ${seeded.reviews} reviews and ` +
      `${seeded.achievements} achievements)`,
  );
  return seeded.userIds;
}

/**
 * Runs each database query of the scenario once, uncached. Prisma's JavaScript engine compiles a
 * query shape on its first use, synchronously: on a busy machine that blocked the event loop
 * here for up to a second, long enough for Redis commands in flight to pass
 * REDIS_COMMAND_TIMEOUT (500 ms) and open the breaker. Then waits until the cache is trusted.
 */
async function prepareQueries(container: DependencyContainer, userId: string): Promise<void> {
  const study = container.resolve(TOKENS.StudyRepository);
  const achievements = container.resolve(TOKENS.AchievementRepository);
  await Promise.all([
    study.findUser(userId),
    study.reviewsOf(userId),
    study.dueSchedules(userId, new Date(), 1),
    achievements.awardsOf(userId),
    achievements.leaderboard(1),
    achievements.recent(1),
  ]);
  // Lets the timers of Redis commands delayed by the compilation fire (and open the breaker if
  // they must) before asking whether the cache is trusted.
  await new Promise((resolve) => setTimeout(resolve, 20));
  await container.resolve(TOKENS.CacheService).waitUntilReady(5000);
}

/**
 * Scenario 5: service-level caching. A learner's due cards, progress and stats are cached by
 * decorated ProgressService methods; a review evicts the learner's three keys, so the next read
 * is fresh; a card edit is seen at once through the cached card repository; an award evicts
 * the leaderboard.
 */
export async function scenarioStudy(container: DependencyContainer, seed: SeedSummary): Promise<void> {
  heading('Scenario 5: a study session: decorated service methods (@Cacheable, @CacheEvict)');
  const cache = container.resolve(TOKENS.CacheService);
  const progress = container.resolve(TOKENS.ProgressService);
  const achievements = container.resolve(TOKENS.AchievementService);
  const [userId] = await learners(container, seed);
  if (userId === undefined) return check(false, 'the database has learners');
  await prepareQueries(container, userId);
  const userKeysShown = [userKeys.dueCards({ userId }), userKeys.progress({ userId }), userKeys.stats({ userId })];
  const started = new Set((await progress.getProgress(userId)).decks.map((deck) => deck.deckId));
  const deck = (await container.resolve(TOKENS.DeckRepository).findAll()).find(
    (candidate) => !started.has(candidate.id),
  );
  if (deck)
    line(
      `  The learner starts the deck "${deck.name}": ` +
        `${await progress.startDeck(userId, deck.id)} new cards come due (startDeck evicts the ` +
        `due-card key, and records the eviction in the outbox).`,
    );
  check(await outboxDelivered(container), 'the outbox delivered the eviction (its deliverer UNLINKed the key again)');

  const cold = await timed(() => progress.getDueCards(userId, 5));
  // The miss's store finishes behind it: the repeat is a hit once it is answered.
  await cache.storesSettled();
  const warm = await timed(() => progress.getDueCards(userId, 5));
  await Promise.all([progress.getProgress(userId), progress.getStats(userId)]);
  line(
    `  Learner ${userId}: ${cold.result.length} cards due now (first read ` +
      `${ms(cold.elapsedMs)}, repeat ${ms(warm.elapsedMs)}):`,
  );
  table([
    ['card', 'front', 'back', 'ease', 'due since'],
    ...cold.result.map(({ card, schedule }) => [
      card.id.slice(0, 8),
      card.front,
      card.back,
      schedule.easeFactor,
      schedule.nextReviewAt.toISOString(),
    ]),
  ]);
  check(
    (await showKeys(cache, userKeysShown)).every(Boolean),
    "due cards, progress and stats are cached under the learner's keys (TTLs 30 s, 60 s, 120 s)",
  );
  const [first, second] = cold.result;
  if (!first || !second) return check(false, 'the learner has at least two cards due');

  const before = await progress.getProgress(userId);
  await progress.recordReview(userId, first.card.id, 4);
  line(
    `\n  The learner answers "${first.card.front}" with quality 4 (SM-2): recordReview writes the review, then evicts:`,
  );
  check(
    (await showKeys(cache, userKeysShown)).every((present) => !present),
    "the review evicted the learner's three keys",
  );
  check(await outboxDelivered(container), 'the outbox delivered the review recorded there');
  const after = await progress.getDueCards(userId, 5);
  check(
    !after.some((due) => due.card.id === first.card.id),
    `the next getDueCards is fresh: "${first.card.front}" is no longer due (next review in 1 day)`,
  );
  const progressAfter = await progress.getProgress(userId);
  check(
    progressAfter.reviews === before.reviews + 1,
    `the next getProgress is fresh: ${before.reviews} -> ${progressAfter.reviews} reviews`,
  );

  const cards = container.resolve(TOKENS.CardRepository);
  const edited = `${second.card.front} (edited)`;
  await cards.update(second.card.id, { front: edited });
  line(`\n  An editor changes a due card's front through the cached CardRepository; the learner's due-card key stays:`);
  await showKeys(cache, [userKeys.dueCards({ userId })]);
  const dueNow = await progress.getDueCards(userId, 5);
  check(
    dueNow.some((due) => due.card.front === edited),
    'the next getDueCards shows the edit (cards are read through cards:{id}, which the edit invalidated)',
  );

  const board = await achievements.getLeaderboard();
  await achievements.getLeaderboard();
  const points = board.find((row) => row.userId === userId)?.points ?? 0;
  const earned = new Set((await achievements.getUserAchievements(userId)).map((entry) => entry.code));
  const code = [...ACHIEVEMENTS.keys()].find((candidate) => !earned.has(candidate));
  if (code === undefined) return check(false, 'the learner has an achievement left to earn');
  const { achievement } = await achievements.award(userId, code);
  line(
    `\n  The learner earns "${achievement.title}" (+${achievement.points} points): award ` +
      `evicts the learner's and the global keys:`,
  );
  check(
    (
      await showKeys(cache, [
        achievementKeys.leaderboard(),
        achievementKeys.recent(),
        achievementKeys.summary({ userId }),
      ])
    ).every((present) => !present),
    "the award evicted the leaderboard, the recent achievements and the learner's keys",
  );
  const fresh = await achievements.getLeaderboard();
  const row = fresh.find((entry) => entry.userId === userId);
  table([
    ['rank', 'learner', 'points', 'achievements'],
    ...fresh.slice(0, 5).map((entry) => [entry.rank, entry.name, entry.points, entry.achievements]),
  ]);
  check(
    row?.points === points + achievement.points,
    `the next getLeaderboard is fresh: ${points} -> ${row?.points ?? 0} points`,
  );
  line();
  table([
    ['decorated method', 'hits', 'misses', 'invalidations'],
    ...container
      .resolve(TOKENS.MethodCache)
      .methodStats()
      .map((s) => [s.entityType, s.hits, s.misses, s.invalidations]),
  ]);
}
