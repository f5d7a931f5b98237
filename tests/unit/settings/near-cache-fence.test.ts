import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCacheSettings } from 'cachedrepo/settings';
import { errors } from 'cachedrepo';
import { DEFAULTS } from '../../../src/defaults';

describe('CACHE_NEAR_CACHE_FENCE', () => {
  it('is on by default (DEFAULTS.nearCacheInvalidationFence), and takes a boolean', () => {
    expect(DEFAULTS.nearCacheInvalidationFence).toBe(true);
    expect(loadCacheSettings({}).cache.nearCacheFence).toBe(true);
    expect(loadCacheSettings({ CACHE_NEAR_CACHE_FENCE: 'false' }).cache.nearCacheFence).toBe(false);
    expect(loadCacheSettings({ CACHE_NEAR_CACHE_FENCE: 'on' }).cache.nearCacheFence).toBe(true);
  });

  it('refuses what is not a boolean, naming the variable', () => {
    expect(() => loadCacheSettings({ CACHE_NEAR_CACHE_FENCE: 'sometimes' })).toThrow(errors.ConfigError);
    expect(() => loadCacheSettings({ CACHE_NEAR_CACHE_FENCE: 'sometimes' })).toThrow(/CACHE_NEAR_CACHE_FENCE=/);
  });

  it('is documented with the default of DEFAULTS where the option and the setting are declared', () => {
    const root = join(__dirname, '..', '..', '..');
    const option = readFileSync(join(root, 'src/near-cache/near-cache-group.ts'), 'utf8');
    const setting = readFileSync(join(root, 'src/settings/settings.ts'), 'utf8');
    expect(option).toMatch(/@default true\s*\*\/\s*invalidationFence\?: boolean;/);
    expect(setting).toMatch(/@default true\s*\*\/\s*nearCacheFence: boolean;/);
  });
});
