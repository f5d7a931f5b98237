import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULTS } from '../../src/defaults';

// Every default lives in DEFAULTS (src/defaults.ts) and the code applies it from there; the options' TSDoc still says
// the value in words (`@default 1000`). This keeps the two equal for the options whose literals moved into DEFAULTS.

const ROOT = join(__dirname, '..', '..');

/** The `@default` of every TSDoc comment right before `option?:` in `file`, as numbers (`16 MiB` in bytes). */
function documentedDefaults(file: string, option: string): number[] {
  const source = readFileSync(join(ROOT, file), 'utf8');
  const comments = new RegExp(`/\\*\\*((?:(?!\\*/)[\\s\\S])*)\\*/\\s*${option}\\?:`, 'g');
  return [...source.matchAll(comments)].map(([, comment]) => {
    const match = /@default ([\d_]+)( MiB)?/.exec(comment ?? '');
    if (!match) throw new Error(`${file}: ${option} has no numeric @default`);
    return Number((match[1] ?? '').replace(/_/g, '')) * (match[2] ? 1024 * 1024 : 1);
  });
}

const DOCUMENTED: [file: string, option: string, key: keyof typeof DEFAULTS][] = [
  ['src/trust/circuit-breaker.ts', 'failureThreshold', 'breakerFailureThreshold'],
  ['src/trust/circuit-breaker.ts', 'probeIntervalMs', 'breakerProbeIntervalMs'],
  ['src/near-cache/tracking-types.ts', 'heartbeatIntervalMs', 'nearCacheHeartbeatIntervalMs'],
  ['src/near-cache/tracking-types.ts', 'heartbeatTimeoutMs', 'nearCacheHeartbeatTimeoutMs'],
  ['src/near-cache/tracking-types.ts', 'maxStalenessMs', 'nearCacheMaxStalenessMs'],
  ['src/near-cache/near-cache-group.ts', 'heartbeatIntervalMs', 'nearCacheHeartbeatIntervalMs'],
  ['src/near-cache/near-cache-group.ts', 'heartbeatTimeoutMs', 'nearCacheHeartbeatTimeoutMs'],
  ['src/near-cache/near-cache-group.ts', 'maxStalenessMs', 'nearCacheMaxStalenessMs'],
  ['src/near-cache/near-cache.ts', 'maxBytes', 'nearCacheMaxBytes'],
  ['src/trust/event-loop-stalls.ts', 'intervalMs', 'eventLoopSampleIntervalMs'],
  ['src/trust/event-loop-stalls.ts', 'capacity', 'eventLoopStallsKept'],
  ['src/capture/change-capture-types.ts', 'pollIntervalMs', 'capturePollIntervalMs'],
  ['src/capture/change-capture-types.ts', 'leaseMs', 'captureLeaseMs'],
  ['src/capture/change-capture-types.ts', 'retryDelayMs', 'captureRetryDelayMs'],
  ['src/capture/change-capture-types.ts', 'clearTimeoutMs', 'captureClearTimeoutMs'],
  ['src/capture/change-capture-types.ts', 'lagIntervalMs', 'captureLagIntervalMs'],
  ['src/capture/change-capture-types.ts', 'keysPerInvalidation', 'captureKeysPerInvalidation'],
  ['src/capture/change-capture-types.ts', 'receiptWaitMs', 'captureReceiptWaitMs'],
  ['src/protocol/cache-service-types.ts', 'writeReceiptTtlMs', 'writeReceiptTtlMs'],
  ['src/capture/sqlite/sqlite-source.ts', 'pollIntervalMs', 'capturePollIntervalMs'],
  ['src/capture/sqlite/sqlite-source.ts', 'batchSize', 'captureBatchSize'],
  ['src/capture/postgres/postgres-source.ts', 'batchSize', 'captureBatchSize'],
  ['src/capture/postgres/postgres-source.ts', 'maxBufferedMessages', 'captureMaxBufferedMessages'],
];

describe('DEFAULTS', () => {
  it.each(DOCUMENTED)('%s documents %s with the value of DEFAULTS.%s', (file, option, key) => {
    const documented = documentedDefaults(file, option);
    expect(documented.length).toBeGreaterThan(0);
    for (const value of documented) expect(value).toBe(DEFAULTS[key]);
  });

  it('documents the pending invalidations capacity (a constructor parameter) with its DEFAULTS value', () => {
    const source = readFileSync(join(ROOT, 'src/protocol/pending-invalidations.ts'), 'utf8');
    const documented = /@param capacity [^@]*@default ([\d_]+)/.exec(source)?.[1] ?? '';
    expect(Number(documented.replace(/_/g, ''))).toBe(DEFAULTS.pendingInvalidationsCapacity);
  });

  it('keeps the values the breaker, the near cache, the stall sampler and capture used before they moved here', () => {
    expect(DEFAULTS).toMatchObject({
      breakerFailureThreshold: 3,
      breakerProbeIntervalMs: 1000,
      nearCacheHeartbeatIntervalMs: 100,
      nearCacheHeartbeatTimeoutMs: 1000,
      nearCacheMaxStalenessMs: 250,
      nearCacheMaxBytes: 16 * 1024 * 1024,
      pendingInvalidationsCapacity: 100_000,
      eventLoopSampleIntervalMs: 20,
      eventLoopStallsKept: 256,
      capturePollIntervalMs: 100,
      captureLeaseMs: 1000,
      captureRetryDelayMs: 1000,
      captureClearTimeoutMs: 30_000,
      captureLagIntervalMs: 5000,
      captureKeysPerInvalidation: 5000,
      captureBatchSize: 1000,
      captureMaxBufferedMessages: 10_000,
    });
  });

  it('cannot be changed at run time (no module-level mutable state)', () => {
    expect(Object.isFrozen(DEFAULTS)).toBe(true);
  });
});
