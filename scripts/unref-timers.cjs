'use strict';
// Preloaded (NODE_OPTIONS=--require) into the Prisma CLI: the CLI with the JS engine leaves a
// long timer armed and lingers 10-60 s after its work is done. Long timers are unref'd so they
// no longer keep the process alive; short ones behave as usual.
// Not lower: the CLI's download/retry back-offs wait 1-2 s between attempts, and unref'ing those
// made a failing `prisma generate` exit silently with status 0 (observed with a 1 s threshold).
const LONG_TIMER_MS = 5000;

for (const name of ['setTimeout', 'setInterval']) {
  const original = globalThis[name];
  const patched = function (callback, delay, ...args) {
    const timer = original.call(this, callback, delay, ...args);
    if (Number(delay) > LONG_TIMER_MS && timer && typeof timer.unref === 'function') timer.unref();
    return timer;
  };
  Object.defineProperties(patched, Object.getOwnPropertyDescriptors(original));
  globalThis[name] = patched;
}
