import fc from 'fast-check';
import { keySlot } from '../../../src/redis/cluster/key-slot';
import { receiptKeyOf } from '../../../src/redis/receipts';

describe('receipt keys', () => {
  it('hash to the slot of their key, with or without a hash tag', () => {
    expect(receiptKeyOf('cache:hero:1')).toBe('{cache:hero:1}|receipt');
    expect(receiptKeyOf('cache:{hero}:1')).toBe('cache:{hero}:1|receipt');
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (key) => {
        const receiptKey = receiptKeyOf(key);
        if (receiptKey !== null) expect(keySlot(receiptKey)).toBe(keySlot(key));
      }),
    );
  });

  it('are none for a key whose stray braces no tag can keep in its slot', () => {
    // `{` never closed, then `}` before it: neither form hashes like the key (checked by keySlot, not assumed).
    const key = 'cache:a}b{c';
    const receiptKey = receiptKeyOf(key);
    if (receiptKey !== null) expect(keySlot(receiptKey)).toBe(keySlot(key));
    expect(receiptKeyOf('cache:plain')).not.toBeNull();
  });
});
