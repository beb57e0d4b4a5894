/**
 * Outcomes a processor function returns, and how any returned value is read.
 *
 * @module
 */

import type { Outcome } from "../types.ts";

/**
 * The task is done: it becomes `terminated`.
 *
 * @example
 * ```ts
 * worker({ taskq, topic: "email", pfn: async (task) => { await send(task.data); return ok(); } });
 * ```
 */
export function ok(): Outcome {
  return { event: "completed" };
}

/**
 * The task failed for good: it becomes `failed` with `errorMessage`.
 *
 * @example
 * ```ts
 * return failed({ errorMessage: "recipient unknown" });
 * ```
 */
export function failed(opts: { errorMessage?: string } = {}): Outcome {
  return opts.errorMessage === undefined ? { event: "failed" } : { event: "failed", errorMessage: opts.errorMessage };
}

/**
 * Try again later: the task becomes `snoozed` for `snoozeTime` ms (default:
 * the store's `snoozeTimeMs`), then reservable again.
 *
 * @example
 * ```ts
 * return snoozed({ snoozeTime: 60_000 });
 * ```
 */
export function snoozed(opts: { snoozeTime?: number } = {}): Outcome {
  return opts.snoozeTime === undefined ? { event: "snoozed" } : { event: "snoozed", snoozeTime: opts.snoozeTime };
}

/** The message a task fails with when its function returns something that is not an Outcome. */
export const INVALID_RESPONSE = "processing function returned invalid response";

/** Reads what a processor function returned; anything that is not a valid Outcome fails the task. */
export function toOutcome(value: unknown): Outcome {
  if (value !== null && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if (o.event === "completed") return { event: "completed" };
    if (o.event === "failed" && (o.errorMessage === undefined || typeof o.errorMessage === "string")) {
      return failed({ errorMessage: o.errorMessage as string | undefined });
    }
    if (
      o.event === "snoozed" &&
      (o.snoozeTime === undefined ||
        (Number.isInteger(o.snoozeTime) && (o.snoozeTime as number) >= 0 && (o.snoozeTime as number) <= 2 ** 31 - 1))
    ) {
      return snoozed({ snoozeTime: o.snoozeTime as number | undefined });
    }
  }
  return { event: "failed", errorMessage: INVALID_RESPONSE };
}
