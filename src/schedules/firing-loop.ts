/**
 * The loop that fires schedules for a worker or a `scheduler()`: fire what
 * is due, then sleep until the soonest next slot (database clock), at most
 * `RECHECK_MS`, so that a schedule created or edited by another process is
 * seen within that time.
 *
 * @module
 */

import { TaskError } from "../errors.ts";
import { sleep } from "../sleep.ts";
import type { FireResult, TaskQ } from "../types.ts";

/** Longest sleep between two looks at the schedules. */
export const RECHECK_MS = 1_000;
/** Shortest sleep when slots are due but none fired (another process is firing them, or a cron cannot be read). */
const STUCK_MS = 50;

/** How long to sleep after a firing. */
export function nextWait(r: FireResult): number {
  if (r.nextSlotAt === null) return RECHECK_MS;
  const inMs = r.nextSlotAt - r.now;
  // due still: a backfill that goes on (at once), or slots another firer holds (shortly)
  if (inMs <= 0) return r.fired > 0 ? 0 : STUCK_MS;
  return Math.min(RECHECK_MS, inMs);
}

/**
 * Fires the schedules of `topics` (all when absent) until `signal` aborts or
 * the store closes; `onFired` hears each firing that made tasks, `onError`
 * each failed one (retried with a backoff, at most `RECHECK_MS` apart).
 */
export async function fireLoop(
  taskq: TaskQ,
  topics: string[] | undefined,
  signal: AbortSignal,
  on: { error(e: unknown): void; fired?(r: FireResult): void },
): Promise<void> {
  let failures = 0;
  while (!signal.aborted) {
    let wait: number;
    try {
      const r = await taskq.fireSchedules(topics ? { topics } : {});
      failures = 0;
      if (r.fired > 0) on.fired?.(r);
      for (const e of r.errors) {
        on.error(new TaskError("bad-request", "invalid-schedule", `fireSchedules: ${e.message}`));
      }
      wait = nextWait(r);
    } catch (e) {
      if ((e as { code?: unknown })?.code === "store-closed" || signal.aborted) return;
      on.error(e);
      // 100 ms, doubling, at most RECHECK_MS, with jitter: a store that stopped answering is not hammered
      wait = Math.round(Math.min(RECHECK_MS, 100 * 2 ** Math.min(failures++, 10)) * (0.5 + Math.random() / 2));
    }
    if (wait > 0) await sleep(wait, signal);
  }
}

/** The firing loops of this process, one per store and topic, shared by the workers of that topic. */
const loops = new WeakMap<
  TaskQ,
  Map<string, { errors: Set<(e: unknown) => void>; stop: AbortController; done: Promise<void> }>
>();

/**
 * Fires topic `topic`'s schedules for a worker: the workers of one topic on
 * one store share one loop (fifty workers look at the schedules once a
 * second, not fifty times). Each hears the loop's errors. The returned
 * function leaves it; the last to leave stops it (resolves once stopped).
 */
export function fireTopic(taskq: TaskQ, topic: string, onError: (e: unknown) => void): () => Promise<void> {
  let byTopic = loops.get(taskq);
  if (!byTopic) loops.set(taskq, byTopic = new Map());
  let loop = byTopic.get(topic);
  if (!loop) {
    const errors = new Set<(e: unknown) => void>();
    const stop = new AbortController();
    const done = fireLoop(taskq, [topic], stop.signal, { error: (e) => errors.forEach((f) => f(e)) });
    loop = { errors, stop, done };
    byTopic.set(topic, loop);
  }
  const mine = loop;
  mine.errors.add(onError);
  return () => {
    mine.errors.delete(onError);
    if (mine.errors.size === 0 && byTopic.get(topic) === mine) {
      byTopic.delete(topic);
      mine.stop.abort();
    }
    return mine.errors.size === 0 ? mine.done : Promise.resolve();
  };
}
