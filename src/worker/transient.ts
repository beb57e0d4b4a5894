/**
 * Retrying store calls that failed for a passing reason (`unavailable`), and
 * telling such failures from those that mean the task has moved on.
 *
 * @module
 */

import { TaskError } from "../errors.ts";
import { sleep } from "../sleep.ts";

/** Retries after the first attempt of a keepalive or outcome write. */
export const TRANSIENT_RETRIES = 3;

/** Codes that mean the reservation is no longer ours: write nothing more for it. */
const LOST = new Set(["lease-expired", "wrong-owner", "invalid-status", "invalid-status-transition", "task-not-found"]);

/** True when `e` says the task now belongs to someone else (or to no one). */
export function isLeaseLost(e: unknown): boolean {
  return e instanceof TaskError && LOST.has(e.code);
}

/**
 * True when `e` is worth retrying. A write the store did not answer in time
 * (`store-timeout`) may have been applied: its outcome is unknown, so it is
 * retried only when repeating it is harmless (`timeouts`: a keepalive).
 */
export function isTransient(e: unknown, timeouts = false): boolean {
  if (!(e instanceof TaskError)) return true;
  if (e.code === "store-timeout") return timeouts;
  return e.type === "unavailable" && e.code !== "store-closed";
}

/**
 * Runs `op`, retrying transient failures 3 times with backoff (100, 200,
 * 400 ms, ±50 %); timeouts too when `timeouts` (see `isTransient`).
 */
export async function retryTransient<T>(op: () => Promise<T>, timeouts = false): Promise<T> {
  for (let attempt = 0;; attempt++) {
    try {
      return await op();
    } catch (e) {
      if (!isTransient(e, timeouts) || attempt >= TRANSIENT_RETRIES) throw e;
      await sleep(100 * 2 ** attempt * (0.5 + Math.random()));
    }
  }
}
