import { CircuitBreaker, type BreakerOpenReason, type BreakerState } from '../../../src/trust/circuit-breaker';

// The breaker takes time only from setTimeout (its probe schedule): fake timers drive it. Promise jobs stay real, so a
// probe's answer is seen by advancing with the async variants, which let microtasks run.

interface Probe {
  /** Resolves the probe under way (the oldest unanswered one). */
  answer(healthy: boolean | Error): Promise<void>;
  readonly calls: number;
  readonly fn: () => Promise<boolean>;
}

/** A probe the test answers by hand, so a probe can be held open while the breaker is told things. */
function manualProbe(): Probe {
  const waiting: ((healthy: boolean | Error) => void)[] = [];
  let calls = 0;
  return {
    fn: () => {
      calls += 1;
      return new Promise<boolean>((resolve, reject) =>
        waiting.push((healthy) => (healthy instanceof Error ? reject(healthy) : resolve(healthy))),
      );
    },
    async answer(healthy) {
      const next = waiting.shift();
      if (next === undefined) throw new Error('no probe is under way');
      next(healthy);
      await jest.advanceTimersByTimeAsync(0);
    },
    get calls() {
      return calls;
    },
  };
}

function breakerWith(probe: () => Promise<boolean>, options = { failureThreshold: 3, probeIntervalMs: 1000 }) {
  const events: [BreakerState, BreakerOpenReason | undefined][] = [];
  const breaker = new CircuitBreaker(probe, (state, reason) => events.push([state, reason]), options);
  return { breaker, events };
}

describe('CircuitBreaker', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  it('stays closed below the failure threshold and opens at it, once, with reason "failures"', () => {
    const { breaker, events } = breakerWith(manualProbe().fn);
    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.state).toBe('closed');
    expect(breaker.closed).toBe(true);
    breaker.recordFailure();
    expect(breaker.state).toBe('open');
    expect(breaker.closed).toBe(false);
    expect(breaker.openings).toBe(1);
    breaker.recordFailure();
    expect(events).toEqual([['open', 'failures']]);
    expect(breaker.openings).toBe(1);
  });

  it('counts consecutive failures only: a success in between starts the count again', () => {
    const { breaker, events } = breakerWith(manualProbe().fn);
    for (let i = 0; i < 10; i += 1) {
      breaker.recordFailure();
      breaker.recordFailure();
      breaker.recordSuccess();
    }
    expect(breaker.state).toBe('closed');
    expect(events).toEqual([]);
  });

  it('uses the configured threshold, and 3 by default', () => {
    const once = breakerWith(manualProbe().fn, { failureThreshold: 1, probeIntervalMs: 1000 });
    once.breaker.recordFailure();
    expect(once.breaker.state).toBe('open');

    const defaults = new CircuitBreaker(manualProbe().fn, () => undefined);
    defaults.recordFailure();
    defaults.recordFailure();
    expect(defaults.state).toBe('closed');
    defaults.recordFailure();
    expect(defaults.state).toBe('open');
    defaults.dispose();
    once.breaker.dispose();
  });

  it('while open, probes every interval (half-open: still refusing commands) until a probe succeeds', async () => {
    const probe = manualProbe();
    const { breaker, events } = breakerWith(probe.fn);
    breaker.open('connection');
    expect(events).toEqual([['open', 'connection']]);

    await jest.advanceTimersByTimeAsync(999);
    expect(probe.calls).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(probe.calls).toBe(1);
    // A probe under way is the half-open state: only the probe talks to Redis, commands are still refused.
    expect(breaker.state).toBe('open');
    expect(breaker.closed).toBe(false);

    await probe.answer(false);
    expect(breaker.state).toBe('open');
    await jest.advanceTimersByTimeAsync(999);
    expect(probe.calls).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(probe.calls).toBe(2);

    await probe.answer(new Error('probe threw'));
    expect(breaker.state).toBe('open');
    await jest.advanceTimersByTimeAsync(1000);
    expect(probe.calls).toBe(3);

    await probe.answer(true);
    expect(breaker.state).toBe('closed');
    expect(events).toEqual([
      ['open', 'connection'],
      ['closed', undefined],
    ]);
    // Closed: no more probes.
    await jest.advanceTimersByTimeAsync(10_000);
    expect(probe.calls).toBe(3);
  });

  it('forgets the failures before it closed: reopening takes a whole threshold again', async () => {
    const probe = manualProbe();
    const { breaker } = breakerWith(probe.fn);
    breaker.recordFailure();
    breaker.recordFailure();
    breaker.open('pending-invalidation');
    await jest.advanceTimersByTimeAsync(1000);
    await probe.answer(true);
    expect(breaker.state).toBe('closed');
    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.state).toBe('closed');
    breaker.recordFailure();
    expect(breaker.state).toBe('open');
    expect(breaker.openings).toBe(2);
    breaker.dispose();
  });

  it('opens at once when told, with its reason, and ignores being told again while open', () => {
    const { breaker, events } = breakerWith(manualProbe().fn);
    breaker.open('topology');
    breaker.open('connection');
    breaker.recordFailure();
    expect(events).toEqual([['open', 'topology']]);
    expect(breaker.openings).toBe(1);
    breaker.dispose();
  });

  it('startOpen trusts nothing, counts no opening, emits nothing, and waits for probeNow to probe', async () => {
    const probe = manualProbe();
    const { breaker, events } = breakerWith(probe.fn);
    breaker.startOpen();
    expect(breaker.state).toBe('open');
    expect(breaker.openings).toBe(0);
    await jest.advanceTimersByTimeAsync(5000);
    expect(probe.calls).toBe(0);

    breaker.probeNow();
    await jest.advanceTimersByTimeAsync(0);
    expect(probe.calls).toBe(1);
    await probe.answer(true);
    expect(breaker.state).toBe('closed');
    expect(events).toEqual([['closed', undefined]]);
    expect(breaker.openings).toBe(0);
  });

  it('probeNow probes at once instead of at the interval, and does nothing while closed or probing', async () => {
    const probe = manualProbe();
    const { breaker } = breakerWith(probe.fn);
    breaker.probeNow();
    await jest.advanceTimersByTimeAsync(5000);
    expect(probe.calls).toBe(0);

    breaker.open('connection');
    await jest.advanceTimersByTimeAsync(10);
    breaker.probeNow();
    await jest.advanceTimersByTimeAsync(0);
    expect(probe.calls).toBe(1);
    breaker.probeNow();
    await jest.advanceTimersByTimeAsync(5000);
    expect(probe.calls).toBe(1);

    await probe.answer(true);
    expect(breaker.state).toBe('closed');
  });

  it('does not close on a probe that began before it was told to open again: it probes again at once', async () => {
    const probe = manualProbe();
    const { breaker, events } = breakerWith(probe.fn);
    breaker.startOpen();
    breaker.probeNow();
    await jest.advanceTimersByTimeAsync(0);
    expect(probe.calls).toBe(1);
    // An invalidation failed while the probe was validating: what the probe proved is out of date.
    breaker.open('pending-invalidation');
    await probe.answer(true);
    expect(breaker.state).toBe('open');
    expect(probe.calls).toBe(2);
    await probe.answer(true);
    expect(breaker.state).toBe('closed');
    expect(events).toEqual([['closed', undefined]]);
  });

  it('after dispose, probes no more and cannot be opened', async () => {
    const probe = manualProbe();
    const { breaker, events } = breakerWith(probe.fn);
    breaker.open('failures');
    breaker.dispose();
    await jest.advanceTimersByTimeAsync(10_000);
    expect(probe.calls).toBe(0);
    expect(jest.getTimerCount()).toBe(0);

    const closed = breakerWith(manualProbe().fn);
    closed.breaker.dispose();
    closed.breaker.open('connection');
    expect(closed.breaker.state).toBe('closed');
    expect(closed.events).toEqual([]);
    expect(events).toEqual([['open', 'failures']]);
  });

  it('does not close, or tell anyone, when a probe under way at dispose succeeds afterwards', async () => {
    const probe = manualProbe();
    const { breaker, events } = breakerWith(probe.fn);
    breaker.startOpen();
    breaker.probeNow();
    await jest.advanceTimersByTimeAsync(0);
    breaker.dispose();
    await probe.answer(true);
    expect(breaker.state).toBe('open');
    expect(events).toEqual([]);
  });
});
