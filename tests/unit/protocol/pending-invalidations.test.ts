import { PendingInvalidations } from '../../../src/protocol/pending-invalidations';

describe('PendingInvalidations', () => {
  it('starts empty', () => {
    const pending = new PendingInvalidations();
    expect(pending.empty).toBe(true);
    expect(pending.size).toBe(0);
    expect(pending.overflowed).toBe(false);
    expect(pending.snapshot()).toEqual([]);
  });

  it('remembers each key once, until delivered', () => {
    const pending = new PendingInvalidations();
    pending.add(['a', 'b']);
    pending.add(['b', 'c']);
    expect(pending.size).toBe(3);
    expect(pending.empty).toBe(false);
    expect(pending.snapshot().sort()).toEqual(['a', 'b', 'c']);

    pending.delivered(['a', 'b']);
    expect(pending.snapshot()).toEqual(['c']);
    pending.delivered(['c', 'never-added']);
    expect(pending.empty).toBe(true);
  });

  it('keeps a key added again after the snapshot that is then delivered', () => {
    const pending = new PendingInvalidations();
    pending.add(['a']);
    const sending = pending.snapshot();
    // A write of `a` fails to reach Redis while the recovery's UNLINK of the snapshot is in flight: that UNLINK may
    // have run in Redis before the write committed, so it does not deliver the write's invalidation.
    pending.add(['a', 'b']);
    pending.delivered(sending);
    expect(pending.snapshot().sort()).toEqual(['a', 'b']);
    pending.delivered(['a', 'b']);
    expect(pending.empty).toBe(true);
  });

  it('a snapshot is a copy: later additions do not change it', () => {
    const pending = new PendingInvalidations();
    pending.add(['a']);
    const snapshot = pending.snapshot();
    pending.add(['b']);
    expect(snapshot).toEqual(['a']);
  });

  it('overflows past its capacity: forgets the keys and is not empty until the overflow is cleared', () => {
    const pending = new PendingInvalidations(3);
    pending.add(['a', 'b', 'c']);
    expect(pending.overflowed).toBe(false);
    pending.add(['d']);
    expect(pending.overflowed).toBe(true);
    expect(pending.size).toBe(0);
    expect(pending.snapshot()).toEqual([]);
    expect(pending.empty).toBe(false);

    pending.clearOverflow();
    expect(pending.overflowed).toBe(false);
    expect(pending.empty).toBe(true);
    pending.add(['f']);
    expect(pending.snapshot()).toEqual(['f']);
  });

  it('overflows on one batch larger than its capacity, and holds 100,000 keys by default', () => {
    const small = new PendingInvalidations(2);
    small.add(['a', 'b', 'c']);
    expect(small.overflowed).toBe(true);

    const byDefault = new PendingInvalidations();
    byDefault.add(Array.from({ length: 100_000 }, (_, i) => `k${i}`));
    expect(byDefault.overflowed).toBe(false);
    expect(byDefault.size).toBe(100_000);
    byDefault.add(['one-more']);
    expect(byDefault.overflowed).toBe(true);
  });

  // The recovery clears an overflow with SCAN + UNLINK and only then calls clearOverflow(). A key whose write fails
  // meanwhile may sit where the scan had already passed: it must stay pending after the overflow is cleared.
  it('keeps the keys added while overflowed pending once the overflow is cleared', () => {
    const pending = new PendingInvalidations(2);
    pending.add(['a', 'b', 'c']);
    expect(pending.overflowed).toBe(true);
    pending.add(['d']);
    pending.clearOverflow();
    expect(pending.overflowed).toBe(false);
    expect(pending.empty).toBe(false);
    expect(pending.snapshot()).toEqual(['d']);
  });

  it('stays overflowed when keys had to be forgotten again during the clearing', () => {
    const pending = new PendingInvalidations(2);
    pending.add(['a', 'b', 'c']);
    // The clearing begins; three keys fail meanwhile, more than the set keeps.
    pending.add(['d', 'e', 'f']);
    expect(pending.size).toBe(0);
    pending.clearOverflow();
    expect(pending.overflowed).toBe(true);
    expect(pending.empty).toBe(false);

    // A second clearing, during which one key fails: that one covers every key forgotten before it began.
    pending.add(['g']);
    pending.clearOverflow();
    expect(pending.overflowed).toBe(false);
    expect(pending.snapshot()).toEqual(['g']);
  });

  it('stays overflowed when overflow() is called again during the clearing (changes capture may have missed)', () => {
    const pending = new PendingInvalidations();
    pending.overflow();
    pending.add(['a']);
    pending.overflow();
    pending.clearOverflow();
    expect(pending.overflowed).toBe(true);
    pending.clearOverflow();
    expect(pending.overflowed).toBe(false);
    expect(pending.empty).toBe(true);
  });
});
