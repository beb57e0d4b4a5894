/**
 * A sleep that an AbortSignal cuts short, leaving no timer behind: the one
 * every module uses (no imports, so any layer may take it).
 *
 * @module
 */

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
