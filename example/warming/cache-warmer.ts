import { isCached } from 'cachedrepo';
import { type MethodCache } from 'cachedrepo/decorators';
import { CefrLevel } from '../domain';
import type { DeckRepository } from '../repositories';
import type { AchievementService } from '../services/achievements/achievement-service';
import type { ProgressService } from '../services/progress/progress-service';
import { achievementKeys, userKeys } from '../services/service-keys';
import { deckKeys } from '../strategies';
import { warmInBatches, type WarmReport, type WarmTask } from './batch-warmer';

/** What the warmer reads through: the container's repositories and services. */
export interface WarmSources {
  decks: DeckRepository;
  progress: ProgressService;
  achievements: AchievementService;
  methodCache: MethodCache;
}

/** Options of a {@link CacheWarmer} (CACHE_WARMING_*). */
export interface CacheWarmerOptions {
  batchSize: number;
  /** Milliseconds. */
  timeoutMs: number;
  /** Learners whose progress is warmed by default. */
  userIds: readonly string[];
}

/**
 * Loads the reads an application serves first into the cache: the active deck list, the deck
 * list of each CEFR level, the leaderboard, and the progress of given learners. Every query is
 * an ordinary read through the cached repository or the decorated method, so it takes a lease
 * and stores only if no write invalidated the key meanwhile: warming cannot store stale data.
 * A key already cached is a hit and costs one GET.
 */
export class CacheWarmer {
  constructor(
    private readonly sources: WarmSources,
    private readonly options: CacheWarmerOptions,
  ) {}

  /** The queries of one warm-up, named by the key each fills. Deck lists only when the deck repository is cached. */
  tasks(userIds: readonly string[] = this.options.userIds): WarmTask[] {
    const { decks, progress, achievements } = this.sources;
    const tasks: WarmTask[] = [];
    if (isCached(decks)) {
      tasks.push({ name: deckKeys.activeList(), run: () => decks.findAll() });
      for (const level of Object.values(CefrLevel))
        tasks.push({ name: deckKeys.byLevel({ level }), run: () => decks.findByLevel(level) });
    }
    tasks.push({ name: achievementKeys.leaderboard(), run: () => achievements.getLeaderboard() });
    for (const userId of new Set(userIds))
      tasks.push({ name: userKeys.progress({ userId }), run: () => progress.getProgress(userId) });
    return tasks;
  }

  /**
   * Runs one warm-up in batches of `batchSize`, bounded by `timeoutMs` (see batch-warmer.ts).
   * @param userIds learners whose progress to warm @default the configured CACHE_WARMING_USERS
   * @returns what was warmed and how long it took; with the cache disabled, nothing (`skipped`)
   */
  async warm(userIds?: readonly string[]): Promise<WarmReport> {
    const options = { batchSize: this.options.batchSize, timeoutMs: this.options.timeoutMs };
    if (!this.sources.methodCache.active) {
      const report = await warmInBatches([], options);
      return {
        ...report,
        notStarted: this.tasks(userIds).map((task) => task.name),
        skipped: 'the cache is disabled (REDIS_ENABLED=false)',
      };
    }
    return warmInBatches(this.tasks(userIds), options);
  }
}
