import { loadCacheSettings } from 'cachedrepo/settings';
import { errors } from 'cachedrepo';

describe('CACHE_AUDIT_SAMPLE_RATE', () => {
  it('is off (0) by default, and takes a fraction from 0 to 1', () => {
    expect(loadCacheSettings({}).cache.auditSampleRate).toBe(0);
    for (const [text, rate] of [
      ['0', 0],
      ['0.01', 0.01],
      ['.5', 0.5],
      ['1', 1],
      ['1.0', 1],
    ] as const)
      expect(loadCacheSettings({ CACHE_AUDIT_SAMPLE_RATE: text }).cache.auditSampleRate).toBe(rate);
  });

  it.each(['1.5', '-0.1', '10%', 'often', '2'])('refuses %s, naming the variable', (text) => {
    expect(() => loadCacheSettings({ CACHE_AUDIT_SAMPLE_RATE: text })).toThrow(errors.ConfigError);
    expect(() => loadCacheSettings({ CACHE_AUDIT_SAMPLE_RATE: text })).toThrow(/CACHE_AUDIT_SAMPLE_RATE=.*fraction/);
  });
});
