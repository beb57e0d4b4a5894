/**
 * Outcomes a processor function returns, and how any returned value is read.
 *
 * @module
 */

import * as v from "valibot";
import type { TaskError } from "../errors.ts";
import { capErrorText, describeValue, ErrorMessage, fields, NonNegativeMs, parseOrThrow } from "../schemas.ts";
import type { Outcome } from "../types.ts";

/**
 * The task is done: it becomes `terminated`. A `result` (any JSON value,
 * size-limited like `data`) is kept on the task as its `result`.
 *
 * @example
 * ```ts
 * worker({ taskq, topic: "email", pfn: async (task) => { await send(task.data); return ok(); } });
 * worker({ taskq, topic: "resize", pfn: async (task) => ok({ url: await resize(task.data) }) });
 * ```
 */
export function ok(result?: unknown): Outcome {
  return result === undefined ? { event: "completed" } : { event: "completed", result };
}

const FailedOptions = fields({ errorMessage: v.optional(ErrorMessage) }, "failed() options ({ errorMessage })");

/**
 * The attempt failed, with `errorMessage`: the task becomes `failed`, or, with
 * attempts left (its `maxAttempts`, else the worker's), `starting` again after
 * its backoff.
 * Shorthands: `failed("recipient unknown")`, and `failed(error)` for a caught
 * error (its class, message and stack, bounded, become the stored error).
 * Anything else throws `bad-request/invalid-outcome`.
 *
 * @example
 * ```ts
 * return failed({ errorMessage: "recipient unknown" });
 * return failed("recipient unknown"); // the same
 * ```
 */
export function failed(opts: { errorMessage?: string } | string | Error = {}): Outcome {
  if (typeof opts === "string") return { event: "failed", errorMessage: opts };
  if (opts instanceof Error) return { event: "failed", errorMessage: describeError(opts) };
  const o = parseOrThrow(FailedOptions, opts, "failed()", "invalid-outcome");
  return o.errorMessage === undefined ? { event: "failed" } : { event: "failed", errorMessage: o.errorMessage };
}

const SnoozedOptions = fields({ snoozeTime: v.optional(NonNegativeMs) }, "snoozed() options ({ snoozeTime })");

/**
 * Try again later: the task becomes `snoozed` for `snoozeTime` ms (default:
 * the store's `snoozeTimeMs`), then reservable again. Shorthand:
 * `snoozed(60_000)`. A negative, fractional or too large time throws
 * `bad-request/invalid-outcome`.
 *
 * @example
 * ```ts
 * return snoozed({ snoozeTime: 60_000 });
 * return snoozed(60_000); // the same
 * ```
 */
export function snoozed(opts: { snoozeTime?: number } | number = {}): Outcome {
  const o = parseOrThrow(
    SnoozedOptions,
    typeof opts === "number" ? { snoozeTime: opts } : opts,
    "snoozed()",
    "invalid-outcome",
  );
  return o.snoozeTime === undefined ? { event: "snoozed" } : { event: "snoozed", snoozeTime: o.snoozeTime };
}

/** The message a task fails with when its function returns something that is not an Outcome. */
export const INVALID_RESPONSE = "processing function returned invalid response";

/**
 * Reads what a processor function returned; anything that is not a valid
 * Outcome fails the task with {@link INVALID_RESPONSE} and what was wrong.
 */
export function toOutcome(value: unknown): Outcome {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const { event, ...rest } = value as Record<string, unknown>;
    try {
      if (event === "completed" && Object.keys(rest).every((k) => k === "result")) return ok(rest.result);
      if (event === "failed") return failed(rest as { errorMessage?: string });
      if (event === "snoozed") return snoozed(rest as { snoozeTime?: number });
    } catch (e) {
      return { event: "failed", errorMessage: `${INVALID_RESPONSE}: ${(e as TaskError).message}` };
    }
    return {
      event: "failed",
      errorMessage: `${INVALID_RESPONSE}: ${
        event === "completed"
          ? `a completed outcome has only a result (got ${Object.keys(rest).join(", ")})`
          : 'event must be "completed", "failed" or "snoozed"; return ok(), failed() or snoozed()'
      }`,
    };
  }
  return {
    event: "failed",
    errorMessage: `${INVALID_RESPONSE}: got ${describeValue(value)}; return ok(), failed() or snoozed()`,
  };
}

/**
 * A thrown value as stored error text: an Error's class name, message and
 * stack (and its cause's), cut to `MAX_ERROR_CHARS` (4,000) characters as all stored error text is.
 */
export function describeError(error: unknown): string {
  let text: string;
  if (error instanceof Error) {
    const head = `${error.name}: ${error.message}`;
    const stack = typeof error.stack === "string" ? error.stack : "";
    // V8 and JSC differ: V8's stack starts with "Name: message", JSC's is frames only.
    text = stack.startsWith(head) ? stack : stack ? `${head}\n${stack}` : head;
    if (error.cause !== undefined) text += `\nCaused by: ${describeError(error.cause)}`;
  } else if (typeof error === "string") {
    text = error;
  } else {
    try {
      text = JSON.stringify(error) ?? String(error);
    } catch {
      text = String(error);
    }
  }
  return capErrorText(text);
}
