/**
 * Outcomes a processor function returns, and how any returned value is read.
 *
 * @module
 */

import * as v from "valibot";
import { TaskError } from "../errors.ts";
import { capErrorText, ErrorMessage } from "../schemas/error-text.ts";
import { describeValue, fields, parseOrThrow } from "../schemas/parse.ts";
import { NonNegativeMs } from "../schemas/numbers.ts";
import type { Outcome } from "../types.ts";
import { describeError } from "./describe.ts";

export { describeError } from "./describe.ts";

/**
 * The task is done: it becomes `terminated`. A `result` (any JSON value,
 * size-limited like `data`) is kept on the task as its `result`; a typed
 * task's result schema (`defineTask({ result })`) types and checks it.
 *
 * @example
 * ```ts
 * worker({ taskq, topic: "email", pfn: async (task) => { await send(task.data); return ok(); } });
 * worker({ taskq, topic: "resize", pfn: async (task) => ok({ url: await resize(task.data) }) });
 * ```
 */
export function ok<R = unknown>(result?: R): Outcome<R> {
  return result === undefined ? { event: "completed" } : { event: "completed", result };
}

const FailedOptionsSchema = fields({ errorMessage: v.optional(ErrorMessage) }, "failed() options ({ errorMessage })");

/**
 * The attempt failed, with `errorMessage`: the task becomes `failed`, or, with
 * attempts left (its `maxAttempts`, else the worker's), `starting` again after
 * its backoff.
 * Shorthands: `failed("recipient unknown")`, and `failed(error)` for a caught
 * error (its class, message and stack, bounded, become the stored error).
 * Anything else throws `bad-request/invalid-outcome`. Typed `Outcome<never>`, it fits a
 * processor of any result type (a typed task's too).
 *
 * @example
 * ```ts
 * return failed({ errorMessage: "recipient unknown" });
 * return failed("recipient unknown"); // the same
 * ```
 */
export function failed(opts: { errorMessage?: string } | string | Error = {}): Outcome<never> {
  if (typeof opts === "string") return { event: "failed", errorMessage: opts };
  if (opts instanceof Error) return { event: "failed", errorMessage: describeError(opts) };
  const o = parseOrThrow(FailedOptionsSchema, opts, "failed()", "invalid-outcome");
  return o.errorMessage === undefined ? { event: "failed" } : { event: "failed", errorMessage: o.errorMessage };
}

const SnoozedOptionsSchema = fields({ snoozeTime: v.optional(NonNegativeMs) }, "snoozed() options ({ snoozeTime })");

/**
 * Try again later: the task becomes `snoozed` for `snoozeTime` ms (default:
 * the store's `snoozeTimeMs`), then reservable again. Shorthand:
 * `snoozed(60_000)`. A negative, fractional or too large time throws
 * `bad-request/invalid-outcome`. Typed `Outcome<never>`, as `failed()`.
 *
 * @example
 * ```ts
 * return snoozed({ snoozeTime: 60_000 });
 * return snoozed(60_000); // the same
 * ```
 */
export function snoozed(opts: { snoozeTime?: number } | number = {}): Outcome<never> {
  const o = parseOrThrow(
    SnoozedOptionsSchema,
    typeof opts === "number" ? { snoozeTime: opts } : opts,
    "snoozed()",
    "invalid-outcome",
  );
  return o.snoozeTime === undefined ? { event: "snoozed" } : { event: "snoozed", snoozeTime: o.snoozeTime };
}

const DelayMs = v.pipe(
  NonNegativeMs,
  v.check((ms: number) => ms > 0, "must be more than 0"),
);

/**
 * The service this task calls said "too many requests": hand the task back
 * and hold reservation of its whole topic — or, when the topic's limits are
 * partitioned, of the task's `partitionKey` — for `delayMs` ms, in every
 * process. No failure is counted (the task is `snoozed` for `delayMs`, then
 * reservable again). The hold is not a pause: `resumeTopic` does not clear
 * it, and it ends by itself (a longer hold already set stays). A bad
 * `delayMs` throws `bad-request/invalid-outcome`.
 *
 * @example
 * ```ts
 * worker({ taskq, topic: "github", pfn: async (task) => {
 *   const res = await fetch(task.data.url);
 *   if (res.status === 429) return rateLimited(Number(res.headers.get("retry-after") ?? 60) * 1000);
 *   return ok();
 * } });
 * ```
 */
export function rateLimited(delayMs: number): Outcome<never> {
  const ms = parseOrThrow(
    fields({ delayMs: DelayMs }, "rateLimited(delayMs)"),
    { delayMs },
    "rateLimited()",
    "invalid-outcome",
  );
  return { event: "rateLimited", delayMs: ms.delayMs };
}

/**
 * The function completed the task itself, in its own atomic batch
 * (`completeBatch`, committed with its own writes): the worker writes
 * nothing for it, frees its slot and emits `completed` with the task as
 * reserved. Return it only after that batch committed: returning `ok()`
 * instead would try to complete the task a second time, be refused (it is
 * `terminated` already) and show as a `lease-lost` event; a batch that rolled
 * back because the lease was lost throws, and the task is left to the next
 * reservation.
 *
 * @example
 * ```ts
 * worker({ taskq, topic: "invoice", pfn: async (task) => {
 *   const done = completeBatch(taskq, task, { paid: true });
 *   await client.batch([{ sql: "UPDATE invoices SET paid = 1 WHERE id = ?", args: [task.data.id] }, ...done.statements], "write");
 *   return committed();
 * } });
 * ```
 */
export function committed(): Outcome<never> {
  return { event: "committed" };
}

/** The message a task fails with when its function returns something that is not an Outcome. */
export const INVALID_RESPONSE = "processing function returned invalid response";

/**
 * Reads what a processor function returned; anything that is not a valid
 * Outcome fails the task with {@link INVALID_RESPONSE} and what was wrong.
 * Never throws: a value whose getters or proxy traps throw fails the task
 * with what they threw.
 */
export function toOutcome(value: unknown): Outcome {
  try {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      const { event, ...rest } = value as Record<string, unknown>;
      if (event === "completed" && Object.keys(rest).every((k) => k === "result")) return ok(rest.result);
      if (event === "failed") return failed(rest as { errorMessage?: string });
      if (event === "snoozed") return snoozed(rest as { snoozeTime?: number });
      if (event === "rateLimited") return rateLimited((rest as { delayMs: number }).delayMs);
      if (event === "committed" && Object.keys(rest).length === 0) return committed();
      return {
        event: "failed",
        errorMessage: capErrorText(
          `${INVALID_RESPONSE}: ${
            event === "completed"
              ? `a completed outcome has only a result (got ${Object.keys(rest).join(", ")})`
              : event === "committed"
              ? `a committed outcome has no fields (got ${Object.keys(rest).join(", ")})`
              : 'event must be "completed", "failed", "snoozed", "rateLimited" or "committed"; return ok(), failed(), snoozed(), rateLimited() or committed()'
          }`,
        ),
      };
    }
    return {
      event: "failed",
      errorMessage: `${INVALID_RESPONSE}: got ${describeValue(value)}; return ok(), failed() or snoozed()`,
    };
  } catch (e) {
    // a helper's refusal names the field; anything else came from a getter or proxy trap of the value
    const refused = refusalOf(e);
    return {
      event: "failed",
      errorMessage: capErrorText(`${INVALID_RESPONSE}: ${refused ?? `reading it threw ${describeError(e)}`}`),
    };
  }
}

/** The message of an `invalid-outcome` refusal; undefined for anything else (read without ever throwing). */
function refusalOf(e: unknown): string | undefined {
  try {
    return e instanceof TaskError && e.code === "invalid-outcome" ? e.message : undefined;
  } catch {
    return undefined; // a revoked Proxy cannot even be asked its class
  }
}
