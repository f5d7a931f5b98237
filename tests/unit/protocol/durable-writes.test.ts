import { DurableWrites } from '../../../src/protocol/durable-writes';

describe('DurableWrites', () => {
  it('records every write in the outbox when one is configured and no capture runs', () => {
    const writes = new DurableWrites(true);
    expect(writes.recordsInOutbox('hero')).toBe(true);
    expect(writes.capturedEntityTypes).toEqual([]);
  });

  it('records nothing without an outbox, capture or not', () => {
    const writes = new DurableWrites(false);
    expect(writes.recordsInOutbox('hero')).toBe(false);
    writes.captureStarted({}, ['hero']);
    expect(writes.recordsInOutbox('hero')).toBe(false);
  });

  it('skips the outbox for the entity types a started consumer reads, until it stops', () => {
    const writes = new DurableWrites(true);
    const consumer = {};
    writes.captureStarted(consumer, ['hero', 'card', 'hero']);
    expect(writes.recordsInOutbox('hero')).toBe(false);
    expect(writes.recordsInOutbox('card')).toBe(false);
    expect(writes.recordsInOutbox('deck')).toBe(true);
    expect(writes.capturedEntityTypes.sort()).toEqual(['card', 'hero']);
    writes.captureStopped(consumer);
    expect(writes.recordsInOutbox('hero')).toBe(true);
    expect(writes.capturedEntityTypes).toEqual([]);
  });

  it('keeps an entity type captured while any of its consumers runs', () => {
    const writes = new DurableWrites(true);
    const first = {};
    const second = {};
    writes.captureStarted(first, ['hero']);
    writes.captureStarted(second, ['hero', 'deck']);
    writes.captureStopped(first);
    expect(writes.recordsInOutbox('hero')).toBe(false);
    writes.captureStopped(first); // twice: no effect
    expect(writes.recordsInOutbox('hero')).toBe(false);
    writes.captureStopped(second);
    expect(writes.recordsInOutbox('hero')).toBe(true);
    expect(writes.recordsInOutbox('deck')).toBe(true);
  });

  it('replaces the entity types of a consumer started again', () => {
    const writes = new DurableWrites(true);
    const consumer = {};
    writes.captureStarted(consumer, ['hero']);
    writes.captureStarted(consumer, ['deck']);
    expect(writes.recordsInOutbox('hero')).toBe(true);
    expect(writes.recordsInOutbox('deck')).toBe(false);
  });
});
