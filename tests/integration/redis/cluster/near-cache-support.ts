import type { Cluster, Redis } from 'ioredis';
import { CachedRepository, CacheService, type Cached } from 'cachedrepo';
import type { RedisClusterHandle } from 'cachedrepo/testing';
import { keySlot } from '../../../../src/redis/cluster/key-slot';
import { MemoryLogger } from '../../../support/cache';
import {
  noteStrategy,
  type MemoryNotes,
  type Note,
  type NoteBase,
  type NoteRepository,
} from '../../near-cache/support';
import { connectCluster } from './support';
import { until } from '../../../support/wait';

/**
 * One application instance on a cluster: its own cluster client, CacheService with near caches, cached note repository.
 */
export interface ClusterNoteInstance {
  cluster: Cluster;
  cache: CacheService;
  logger: MemoryLogger;
  notes: Cached<NoteRepository>;
  near(): { hits: number; entries: number; fills: number; cancelledFills: number; invalidations: number };
  close(): Promise<void>;
}

export async function openClusterNoteInstance(
  handle: RedisClusterHandle,
  base: NoteBase,
  commandTimeoutMs = 1000,
): Promise<ClusterNoteInstance> {
  const cluster = await connectCluster(handle, { commandTimeoutMs });
  const logger = new MemoryLogger();
  const cache = new CacheService(cluster, { logger, circuitBreaker: { probeIntervalMs: 100 }, nearCache: true });
  const notes = CachedRepository.wrap<Note, NoteRepository>(
    base,
    noteStrategy({ nearCache: { maxEntries: 1000 } }),
    cache,
  );
  expect(await cache.waitUntilReady(20_000)).toBe(true);
  const near = () => {
    const stats = cache.health().nearCache.caches.find((c) => c.entityType === 'note');
    return {
      hits: stats?.hits ?? 0,
      entries: stats?.entries ?? 0,
      fills: stats?.fills ?? 0,
      cancelledFills: stats?.cancelledFills ?? 0,
      invalidations: stats?.invalidations ?? 0,
    };
  };
  return { cluster, cache, logger, notes, near, close: () => cache.close() };
}

/** `host:port` of the master owning note `id`'s key in `cluster`'s slot map. */
export function ownerOfNote(cluster: Cluster, id: string): string {
  return cluster.slots[keySlot(`cache:note:${id}`)]?.[0] as string;
}

/** The cluster's own connection to `owner` (its commands are not redirected). */
export function nodeConnection(cluster: Cluster, owner: string): Redis {
  const node = cluster.nodes('all').find((redis) => `${redis.options.host}:${redis.options.port}` === owner);
  if (!node) throw new Error(`no connection to ${owner}`);
  return node;
}

/** Waits until the near caches of `instance` serve (tracking confirmed on every master and the cache trusted). */
export async function untilNearActive(instance: ClusterNoteInstance, timeoutMs = 20_000): Promise<void> {
  await until(
    () => instance.cache.health().nearCache.tracking === 'active',
    timeoutMs,
    'near-cache tracking to be active on every master',
    // What the service saw, for the failure message: its health and its log.
    () => `health: ${JSON.stringify(instance.cache.health().nearCache)}; log: ${JSON.stringify(instance.logger.lines)}`,
  );
}

/**
 * A write by another process: the database changes, then its key is UNLINKed through
 * `cluster` (as that process's CacheService would). Not through a CacheService linked to the
 * reader by a NearCachePeers: its writes would drop their keys from the reader's near caches
 * directly (near-cache-peers.ts), which would hide a lost invalidation.
 */
export async function writeElsewhere(cluster: Cluster, base: MemoryNotes, id: string, title: string): Promise<void> {
  base.change(id, { title });
  await cluster.unlink(`cache:note:${id}`);
}
