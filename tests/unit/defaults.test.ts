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
];

describe('DEFAULTS', () => {
  it.each(DOCUMENTED)('%s documents %s with the value of DEFAULTS.%s', (file, option, key) => {
    const documented = documentedDefaults(file, option);
    expect(documented.length).toBeGreaterThan(0);
    for (const value of documented) expect(value).toBe(DEFAULTS[key]);
  });

  it('keeps the values the breaker and the near cache used before they moved here', () => {
    expect(DEFAULTS).toMatchObject({
      breakerFailureThreshold: 3,
      breakerProbeIntervalMs: 1000,
      nearCacheHeartbeatIntervalMs: 100,
      nearCacheHeartbeatTimeoutMs: 1000,
      nearCacheMaxStalenessMs: 250,
      nearCacheMaxBytes: 16 * 1024 * 1024,
    });
  });

  it('cannot be changed at run time (no module-level mutable state)', () => {
    expect(Object.isFrozen(DEFAULTS)).toBe(true);
  });
});
