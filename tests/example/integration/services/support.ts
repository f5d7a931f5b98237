import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { CacheService } from 'cachedrepo';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { PrismaClient } from '../../../../generated/prisma/client';
import { loadSettings } from '../../../../example/config/settings';
import { registerDataLayer, TOKENS, type DataLayer } from '../../../../example/container';
import { CefrLevel, type Card, type Deck } from '../../../../example/domain';
import { PrismaCardRepository, PrismaDeckRepository } from '../../../../example/infrastructure/prisma';
import { PrismaStudyRepository } from '../../../../example/infrastructure/prisma/prisma-study-repository';
import type { User } from '../../../../example/repositories/study-repository';

/** One armed call: resolves `loaded` once the real call has returned, and returns only after `release()`. */
export interface HeldCall {
  readonly loaded: Promise<void>;
  release(): void;
}

/**
 * Wraps a real repository so that the next call of an armed method reads the database, then
 * waits for the test: the slow read of the stale-set race, with the test choosing when it
 * finishes. Every call reaches the wrapped repository; `calls` counts them per method.
 */
export function holding<R extends object>(
  target: R,
): { repository: R; holdNext(method: keyof R & string): HeldCall; calls: Record<string, number> } {
  const armed = new Map<string, { gate: Promise<void>; loaded: () => void }>();
  const calls: Record<string, number> = {};
  const repository = new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return async (...args: unknown[]): Promise<unknown> => {
        calls[property] = (calls[property] ?? 0) + 1;
        const hold = armed.get(property);
        armed.delete(property);
        const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(object, args);
        if (hold) {
          hold.loaded();
          await hold.gate;
        }
        return result;
      };
    },
  });
  return {
    repository,
    calls,
    holdNext(method) {
      let release!: () => void;
      let loaded!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const loadedPromise = new Promise<void>((resolve) => (loaded = resolve));
      armed.set(method, { gate, loaded });
      return { loaded: loadedPromise, release };
    },
  };
}

/** A deck with cards, and a learner, written straight to the database. */
export interface StudyData {
  deck: Deck;
  cards: Card[];
  user: User;
}

/** Writes a deck of `cardCount` cards and a new learner (unique email), bypassing the cache. */
export async function createStudyData(prisma: PrismaClient, cardCount = 5): Promise<StudyData> {
  const tag = randomUUID().slice(0, 8);
  const deck = await new PrismaDeckRepository(prisma).save({
    name: `Deck ${tag}`,
    description: null,
    level: CefrLevel.A1,
    isActive: true,
  });
  const cardRepository = new PrismaCardRepository(prisma);
  const cards: Card[] = [];
  for (let i = 0; i < cardCount; i += 1)
    cards.push(
      await cardRepository.save({
        deckId: deck.id,
        front: `λέξη ${i} ${tag}`,
        back: `word ${i}`,
        example: null,
        orderIndex: i,
      }),
    );
  const user = await new PrismaStudyRepository(prisma).createUser({
    name: `Learner ${tag}`,
    email: `${tag}@example.test`,
  });
  return { deck, cards, user };
}

/** A container as the application builds it, on the test's Redis and database. */
export interface AppUnderTest {
  container: DependencyContainer;
  layer: DataLayer;
}

/**
 * `registerDataLayer` on `prisma` and `cacheService` (null: REDIS_ENABLED=false), with more
 * configuration in `env`. `before` may re-register tokens (e.g. a holding study repository)
 * before anything resolves the services.
 */
export function appUnderTest(
  prisma: PrismaClient,
  databaseUrl: string,
  cacheService: CacheService | null,
  env: Record<string, string> = {},
  before?: (container: DependencyContainer) => void,
): AppUnderTest {
  const container = rootContainer.createChildContainer();
  const settings = loadSettings({ DATABASE_URL: databaseUrl, REDIS_ENABLED: cacheService ? 'true' : 'false', ...env });
  const layer = registerDataLayer(container, settings, { prisma, ...(cacheService && { cacheService }) });
  before?.(container);
  return { container, layer };
}

/** Re-registers the study repository of `container` with a holding wrapper. */
export function holdStudyRepository(container: DependencyContainer): ReturnType<typeof holding<PrismaStudyRepository>> {
  const held = holding(container.resolve(TOKENS.StudyRepository) as PrismaStudyRepository);
  container.register(TOKENS.StudyRepository, { useValue: held.repository });
  return held;
}
