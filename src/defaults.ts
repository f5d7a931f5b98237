/**
 * Every default of the library, written once. The option types' `@default` tags, the
 * environment's defaults (`settings/settings.ts`) and the code that applies options all read
 * them from here, so a default cannot differ between the API and the configuration.
 * TTLs are seconds, timeouts and intervals milliseconds, sizes bytes.
 */
export const DEFAULTS = Object.freeze({
  /** Prefix of every key (`cache:hero:1`). */
  keyPrefix: 'cache',
  /** Seconds an entity, list or query result stays cached when its strategy names no TTL (`CACHE_DEFAULT_TTL`). */
  ttlSeconds: 3600,
  /** Seconds "no entity with this id" stays cached (negative caching); 0 turns it off. */
  negativeTtlSeconds: 30,
  /** Seconds a read's lease lives; a load slower than this is served but not cached. */
  leaseTtlSeconds: 10,
  /**
   * Milliseconds a reader that finds another reader's lease waits for that reader's entry before
   * it loads from the database itself (without storing); 0 loads at once.
   */
  leaseWaitMs: 50,
  /** Keys per SCAN page and per UNLINK batch when a namespace or the prefix is cleared. */
  scanBatchSize: 500,
  /** Largest entry stored, UTF-8 bytes; larger values are served from the database. */
  maxEntryBytes: 1_048_576,
  /** Milliseconds to establish a connection. */
  connectTimeoutMs: 2000,
  /** Milliseconds one command may take before it fails and the read becomes a miss. */
  commandTimeoutMs: 500,
  /** Connection name shown by CLIENT LIST. */
  connectionName: 'cachedrepo',
  /** Milliseconds between two slot-map refreshes of a cluster client. */
  slotsRefreshIntervalMs: 5000,
  /** Milliseconds `waitUntilReady` waits. */
  readyTimeoutMs: 2000,
  /** Consecutive failures that open the circuit breaker. */
  breakerFailureThreshold: 3,
  /** Milliseconds between two probes while the breaker is open. */
  breakerProbeIntervalMs: 1000,
  /** Milliseconds between two polls of the outbox by its deliverer. */
  outboxPollIntervalMs: 100,
  /** Milliseconds the outbox deliverer's lease lasts. */
  outboxLeaderLeaseMs: 1000,
  /** Outbox entries read and removed per batch. */
  outboxBatchSize: 500,
  /** Milliseconds a near cache may lag behind Redis when invalidation messages stop arriving. */
  nearCacheMaxStalenessMs: 250,
  /** Milliseconds between two PINGs of the near caches' invalidation connection (the tracking heartbeat). */
  nearCacheHeartbeatIntervalMs: 100,
  /** Milliseconds a heartbeat PING may take before the invalidation connection counts as lost and is reset. */
  nearCacheHeartbeatTimeoutMs: 1000,
  /**
   * Whether a near-cache hit waits for the invalidation fence (one or two event-loop iterations) so that another
   * process's write that returned before the read began is seen (`CACHE_NEAR_CACHE_FENCE`).
   */
  nearCacheInvalidationFence: true,
  /** Most bytes one near cache keeps (16 MiB), as estimated from its entries. */
  nearCacheMaxBytes: 16 * 1024 * 1024,
  /** Keys whose invalidation failed kept in a process before it gives up on single keys and clears the prefix. */
  pendingInvalidationsCapacity: 100_000,
  /** Milliseconds between two ticks of the event-loop stall sampler (a late tick is a stall). */
  eventLoopSampleIntervalMs: 20,
  /** Event-loop stalls remembered by the sampler (the oldest are forgotten first). */
  eventLoopStallsKept: 256,
  /** Milliseconds between two renewals of change capture's consumer lease, and two reads of an empty change table. */
  capturePollIntervalMs: 100,
  /** Milliseconds change capture's consumer lease lasts unless renewed: another process takes over after this. */
  captureLeaseMs: 1000,
  /** Milliseconds change capture waits before reading its source again after a failure. */
  captureRetryDelayMs: 1000,
  /** Milliseconds change capture waits for the prefix to be cleared when its source lost changes. */
  captureClearTimeoutMs: 30_000,
  /** Milliseconds between two measurements of change capture's lag by its consumer. */
  captureLagIntervalMs: 5000,
  /**
   * Milliseconds a captured write's receipt stays beside each key it invalidated (`write-receipt.ts`): change
   * capture's consumer, when it reads the change within that time, leaves the key alone.
   */
  writeReceiptTtlMs: 5000,
  /** Milliseconds after a commit change capture waits for the writer's receipt before invalidating its keys. */
  captureReceiptWaitMs: 20,
  /** Keys change capture sends per invalidation (one UNLINK each). */
  captureKeysPerInvalidation: 5000,
  /** Row changes capture applies at once: rows of a SQLite change table, changes of a large PostgreSQL commit. */
  captureBatchSize: 1000,
  /** PostgreSQL replication messages received and not yet applied before change capture pauses reading the socket. */
  captureMaxBufferedMessages: 10_000,
});
