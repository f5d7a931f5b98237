/**
 * Type tests of what a cached repository requires of its base's writes (REDIS_CACHE.md, section
 * 3), compiled by `tsc --noEmit -p .` (see strategy-types.ts): a base whose update returns the
 * state it replaced, or one explicitly wrapped in `readBeforeWrite`.
 */
import type { InjectionToken } from 'tsyringe';
import {
  CachedRepository,
  readBeforeWrite,
  type BeforeImageRepository,
  type CacheService,
  type CacheStrategy,
  type Cached,
  type EntityChanges,
  type OutboxRecordingRepository,
} from 'cachedrepo';
import { type EntityChange } from '../../src/repository/repository';
import { repositoryRegistration } from 'cachedrepo/tsyringe';
import type { Book, BookRepository } from '../support/books';

declare const cache: CacheService;
declare const strategy: CacheStrategy<Book, BookRepository>;
const BOOKS: InjectionToken<BookRepository> = Symbol('BookRepository');

/** A base with the port only: its update returns the new state and nothing about the old one. */
declare const portOnly: BookRepository;

// @ts-expect-error a base without an update that returns its before-image
CachedRepository.wrap(portOnly, strategy, cache);
// @ts-expect-error a base without an update that returns its before-image
new CachedRepository<Book, BookRepository>(portOnly, strategy, cache);
// @ts-expect-error a base without an update that returns its before-image
repositoryRegistration({ entityType: 'book', token: BOOKS, plain: portOnly, strategy });

/** A base whose before-image update returns only the new state. */
declare const afterOnly: BookRepository & {
  updateReturningBeforeImage(id: string, changes: EntityChanges<Book>): Promise<Book>;
};
// @ts-expect-error updateReturningBeforeImage must return { before, after }
CachedRepository.wrap(afterOnly, strategy, cache);

/** A base whose before-image update is of another entity type. */
declare const otherEntity: BookRepository & {
  updateReturningBeforeImage(id: string, changes: EntityChanges<Book>): Promise<EntityChange<{ id: string }>>;
};
// @ts-expect-error the before-image and after-image must be books
CachedRepository.wrap(otherEntity, strategy, cache);

// Positive: the explicit adapter makes any base acceptable, and keeps its own methods and entity type.
declare const extended: BookRepository & { countByAuthor(author: string): Promise<number> };
const adapted = readBeforeWrite(extended);
export const adaptedChange: Promise<EntityChange<Book>> = adapted.updateReturningBeforeImage('b1', { year: 1 });
export const counted: Promise<number> = CachedRepository.wrap(adapted, strategy, cache).countByAuthor('Ann');
export const cached: Cached<BookRepository> = CachedRepository.wrap(readBeforeWrite(portOnly), strategy, cache);
export const registered = repositoryRegistration({
  entityType: 'book',
  token: BOOKS,
  plain: readBeforeWrite(portOnly),
  strategy,
});

// @ts-expect-error readBeforeWrite takes a repository
readBeforeWrite({ findById: async (id: string) => ({ id }) });

// Positive: a transactional base is accepted as it is.
declare const transactional: BookRepository & BeforeImageRepository<Book>;
export const direct: Cached<BookRepository> = CachedRepository.wrap(transactional, strategy, cache);

// The cached repository records its own writes: an outbox-recording base's recording writes are not offered.
declare const recording: BookRepository & OutboxRecordingRepository<Book>;
const cachedRecording = CachedRepository.wrap(recording, strategy, cache);
// @ts-expect-error a write past the cached repository would skip its invalidation
void cachedRecording.saveRecorded;
// @ts-expect-error the declaration belongs to the base, not to the cached repository
void cachedRecording.recordsWritesInOutbox;
export const cachedChange: Promise<EntityChange<Book>> = cachedRecording.updateReturningBeforeImage('b1', {});
