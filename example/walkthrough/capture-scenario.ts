import type { DependencyContainer } from 'tsyringe';
import { errors, type CacheService } from 'cachedrepo';
import type { ChangeCapture } from 'cachedrepo/capture';
import { CefrLevel, TOKENS, cardKeys, createPrismaClient, deckKeys, heroKeys, type DataLayer } from '../index';
import type { SeedSummary } from '../index';
import { dropChangeCaptureSlot, type RunningCapture } from '../capture/start-capture';
import { check, heading, line } from './report';

/** Longest the scenario waits for capture to invalidate a write, in milliseconds (it takes about 100 here). */
const CAPTURE_BOUND_MS = 10_000;

/** The keys of `keys` that hold an entry, read through the cache service. */
async function cachedOf(cache: CacheService, keys: readonly string[]): Promise<string[]> {
  const reads = await Promise.all(keys.map(async (key) => (await cache.read(key)).kind === 'value'));
  return keys.filter((_, index) => reads[index]);
}

/**
 * Waits until capture has applied `rows` more row changes than `appliedBefore`, the outbox is delivered (a repository
 * write's keys are invalidated again from there, which must not land on entries cached afterwards), and none of `keys`
 * holds an entry: the library's own signals (the consumer's counter, the outbox table, the cache's reads), polled every
 * 10 ms, never a fixed sleep.
 * @returns the milliseconds it took, or null when not within {@link CAPTURE_BOUND_MS}
 */
async function capturedWithin(
  container: DependencyContainer,
  capture: ChangeCapture,
  appliedBefore: number,
  rows: number,
  keys: readonly string[] = [],
): Promise<number | null> {
  const cache = container.resolve(TOKENS.CacheService);
  const prisma = container.resolve(TOKENS.PrismaClient);
  const started = Date.now();
  while (Date.now() - started < CAPTURE_BOUND_MS) {
    if (
      capture.health().changesApplied >= appliedBefore + rows &&
      (await prisma.cacheOutbox.count()) === 0 &&
      (await cachedOf(cache, keys)).length === 0
    )
      return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return null;
}

/**
 * Scenario 6: writes that do not go through the repositories. Change capture (REDIS_CACHE.md section 16) reads the
 * database's own record of committed changes and invalidates what they make stale: a hero renamed with plain SQL on
 * a connection of its own, and the cards a deck's delete takes with it (Card -> Deck is ON DELETE CASCADE).
 */
export async function scenarioCapture(
  container: DependencyContainer,
  layer: DataLayer,
  databaseUrl: string,
  seed: SeedSummary,
): Promise<void> {
  heading('Scenario 6: writes made outside the repositories: change capture invalidates them after the commit');
  // PostgreSQL: the walkthrough recreates its schema on every run, so a slot left by an earlier run points at tables
  // that are gone: start from a new one (a first start clears the cache prefix once).
  await dropChangeCaptureSlot(databaseUrl);
  let running: RunningCapture | null;
  try {
    running = await layer.startCapture();
  } catch (error) {
    if (!(error instanceof errors.CaptureSetupError)) throw error;
    // A PostgreSQL server without logical decoding (DATABASE_URL=postgresql://...): say what to change, go on.
    line(`  Change capture cannot start on this database (${error.reason}): ${error.message}`);
    line('  Skipped: REDIS_CACHE.md section 16 says how to set the server up.');
    return;
  }
  if (!running) return check(false, 'change capture started (caching is on)');
  const { capture } = running;
  try {
    const started = Date.now();
    const ready = (): boolean =>
      capture.health().reading && (capture.health().source === 'sqlite' || capture.health().prefixClears > 0);
    while (!ready() && Date.now() - started < CAPTURE_BOUND_MS) await new Promise((resolve) => setTimeout(resolve, 10));
    check(ready(), `layer.startCapture(): the ${capture.health().source} consumer reads ${capture.tables.join(', ')}`);
    // Earlier scenarios' repository writes: delivered from the outbox before this one caches anything.
    await capturedWithin(container, capture, 0, 0);
    await rawRename(container, capture, databaseUrl, seed);
    await cascade(container, capture);
    line(
      `  Capture so far: ${capture.health().changesApplied} row changes applied, ` +
        `${capture.health().keysInvalidated} keys invalidated.`,
    );
  } finally {
    // Nothing after this scenario deletes a deck; on PostgreSQL the slot goes too, so the server keeps no WAL for it.
    await running.stop();
    if (await dropChangeCaptureSlot(databaseUrl)) line('  Capture stopped, and its replication slot dropped.');
  }
}

/** (a) A hero renamed with plain SQL on a connection of its own: its key and its old name's list invalidated. */
async function rawRename(
  container: DependencyContainer,
  capture: ChangeCapture,
  databaseUrl: string,
  seed: SeedSummary,
): Promise<void> {
  const cache = container.resolve(TOKENS.CacheService);
  const heroes = container.resolve(TOKENS.HeroRepository);
  const hero = (await heroes.findById(seed.ids.heroes[2] as string))!;
  await heroes.findByName(hero.name);
  const heroKeysShown = [heroKeys.byId({ id: hero.id }), heroKeys.byName({ name: hero.name })];
  const renamed = `${hero.name} (renamed by SQL)`;
  line(`\n  (a) Another program renames ${hero.name} with plain SQL, on a connection of its own. Cached before:`);
  for (const key of await cachedOf(cache, heroKeysShown)) line(`    cached  ${cache.fullKey(key)}`);
  const other = createPrismaClient(databaseUrl);
  const applied = capture.health().changesApplied;
  try {
    await other.$executeRaw`UPDATE "Hero" SET "name" = ${renamed} WHERE "id" = ${hero.id}`;
  } finally {
    await other.$disconnect();
  }
  const heroMs = await capturedWithin(container, capture, applied, 1, heroKeysShown);
  check(heroMs !== null, `capture applied the UPDATE and invalidated the hero and its name list (${heroMs} ms)`);
  check((await heroes.findById(hero.id))?.name === renamed, 'the next findById returns the new name');
  check((await heroes.findByName(hero.name)).length === 0, 'the list of the old name no longer holds the hero');
}

/** (b) A deck deleted with its cards (ON DELETE CASCADE): each card's key is cleared by capture alone. */
async function cascade(container: DependencyContainer, capture: ChangeCapture): Promise<void> {
  const cache = container.resolve(TOKENS.CacheService);
  const decks = container.resolve(TOKENS.DeckRepository);
  const cards = container.resolve(TOKENS.CardRepository);
  let applied = capture.health().changesApplied;
  const deck = await decks.save({ name: 'Short-lived', description: null, level: CefrLevel.A1, isActive: true });
  const saved = [];
  for (const [orderIndex, front] of ['hola', 'adiós'].entries())
    saved.push(await cards.save({ deckId: deck.id, front, back: front, example: null, orderIndex }));
  // Their own changes reach capture too: applied before the reads below cache anything.
  check(
    (await capturedWithin(container, capture, applied, 1 + saved.length)) !== null,
    'capture applied the saves of the deck and its cards',
  );
  for (const card of saved) await cards.findById(card.id);
  await cards.findByDeckId(deck.id);
  await decks.findWithCards(deck.id);
  const cardKeysShown = [
    ...saved.map((card) => cardKeys.byId({ id: card.id })),
    cardKeys.byDeck({ deckId: deck.id }),
    deckKeys.withCards({ id: deck.id }),
  ];
  line(
    `\n  (b) decks.delete() of a deck with ${saved.length} cards, which the database deletes with it. Cached before:`,
  );
  for (const key of await cachedOf(cache, cardKeysShown)) line(`    cached  ${cache.fullKey(key)}`);
  applied = capture.health().changesApplied;
  await decks.delete(deck.id);
  // The deck's write clears its own keys and its card list; each card's key is cleared by capture alone.
  const cascadeMs = await capturedWithin(container, capture, applied, 1 + saved.length, cardKeysShown);
  check(cascadeMs !== null, `capture invalidated every cascaded card's key (${cascadeMs} ms)`);
  check(
    (await Promise.all(saved.map((card) => cards.findById(card.id)))).every((card) => card === null),
    'cards.findById of the deleted cards returns null',
  );
}
