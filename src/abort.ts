/**
 * One real listener per AbortSignal, however many parts of sokka wait on it:
 * fifty workers on one store would otherwise put fifty listeners on the
 * store's signal, and Node warns of a leak past ten
 * (MaxListenersExceededWarning) — with web standards only, the limit cannot
 * be raised from here.
 *
 * @module
 */

const fans = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `fn` once when `signal` aborts (at once if it has); the returned function unsubscribes. */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  if (signal.aborted) {
    fn();
    return () => {};
  }
  let set = fans.get(signal);
  if (!set) {
    const s = set = new Set();
    fans.set(signal, s);
    signal.addEventListener("abort", () => {
      fans.delete(signal);
      for (const f of [...s]) f();
    }, { once: true });
  }
  set.add(fn);
  return () => set!.delete(fn);
}
