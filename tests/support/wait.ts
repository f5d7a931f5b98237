/** Resolves after `ms` milliseconds (shapes a scenario's timeline; never use it to wait for an outcome). */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** How often {@link until} asks: often enough not to slow a test down, rarely enough not to load the machine. */
const POLL_INTERVAL_MS = 20;

/**
 * Polls `condition` until it holds, for what a test cannot be told about by an event (a counter in another
 * process, a server's state). Time is the monotonic `performance.now()`, so a clock change does not cut a wait short.
 * An exception from `condition` ends the wait with that exception.
 * @param what what is waited for, for the error: "the breaker to close"
 * @param seen describes what was seen instead, added to the error (for a failure that happens only in CI)
 * @throws {Error} `timed out after {timeoutMs} ms waiting for {what}[: {seen()}]`
 */
export async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
  seen?: () => string,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${seen ? `: ${seen()}` : ''}`);
    await sleep(POLL_INTERVAL_MS);
  }
}
