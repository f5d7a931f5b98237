import { EventLoopStalls } from '../../../src/trust/event-loop-stalls';

function busy(ms: number): void {
  const end = performance.now() + ms;
  let spins = 0;
  while (performance.now() < end) spins += 1;
  if (spins < 0) throw new Error('unreachable');
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// What the gateway asks when a command timed out: was this process's loop stalled meanwhile?
describe('EventLoopStalls', () => {
  let stalls: EventLoopStalls;
  beforeEach(() => {
    stalls = new EventLoopStalls({ intervalMs: 20 });
    stalls.start();
  });
  afterEach(() => stalls.stop());

  it('sees a stall still under way, before its timer could tick', async () => {
    await sleep(50);
    const sentAt = performance.now();
    busy(300);
    // No tick ran during the busy loop: the stall is measured from the tick that was due.
    expect(stalls.stalledBetween(sentAt, performance.now())).toBeGreaterThanOrEqual(270);
    expect(stalls.excuses(sentAt)).toBe(true);
  });

  it('remembers a stall once the loop runs again, only within the window asked', async () => {
    await sleep(50);
    const before = performance.now();
    busy(300);
    const after = performance.now();
    await sleep(60);
    expect(stalls.stalledBetween(before, after)).toBeGreaterThanOrEqual(270);
    expect(stalls.stalledBetween(before, after)).toBeLessThanOrEqual(after - before + 1);
    expect(stalls.stalledBetween(after + 1, performance.now())).toBeLessThan(50);
    expect(stalls.stalledBetween(before - 1000, before - 500)).toBe(0);
  });

  it('does not excuse a wait during which the loop ran freely', async () => {
    await sleep(50);
    const sentAt = performance.now();
    await sleep(500);
    expect(stalls.excuses(sentAt)).toBe(false);
  });
});
