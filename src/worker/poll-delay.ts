/**
 * Small timing helpers of the worker: jittered backoff and sleeps that an
 * AbortSignal cuts short, leaving no timer behind.
 *
 * @module
 */

/** Idle poll delay in whole ms: 300 ms × 2^n, ±50 %, capped at `maxMs`. */
export function pollDelay(idleRounds: number, maxMs: number): number {
  const base = 300 * 2 ** Math.min(idleRounds, 20);
  return Math.round(Math.min(maxMs, base * (0.5 + Math.random())));
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects); clears its timer either way. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
