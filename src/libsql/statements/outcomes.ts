/**
 * A worker's outcomes (and an operator's terminate or fail of a waiting
 * task): complete (`TERMINATE`), fail with retries (`FAIL`) and snooze, each
 * over a JSON array of tuples (`tuples.ts`).
 *
 * @module
 */

import { BACKOFF_BASE_MS, BACKOFF_CAP_MS } from "../../schemas.ts";
import { fromOf, TRANSITIONS } from "../../transitions.ts";
import { COLUMNS, NO_LEASE, NOW, TOUCH } from "./fragments.ts";
import { fencedGuard, lit, statusIn } from "./guards.ts";
import { type FencedTuple, TUPLES } from "./tuples.ts";

const TERMINATE_SET = `SET status = ${
  lit(TRANSITIONS.terminate.to[0])
}, result = w_v, ${NO_LEASE}, ready_at = NULL, ${TOUCH}`;

/** Tuples `terminateTuple`. */
export const TERMINATE = `UPDATE sokka_tasks
  ${TERMINATE_SET}
  ${TUPLES} AND ${fencedGuard("terminate")}
  RETURNING ${COLUMNS}`;

/**
 * `TERMINATE` for a worker's own outcome (always fenced by its lease): returns
 * only the new version and time, as the worker holds every other field of the
 * task it reserved (`terminatedTask` in rows.ts).
 */
export const TERMINATE_BRIEF = `UPDATE sokka_tasks
  ${TERMINATE_SET}
  ${TUPLES} AND ${fencedGuard("terminate", true)}
  RETURNING task_id, record_ver, updated_at, dependants`;

/** A completion of `taskId` with its result JSON (null: none). */
export const terminateTuple = (
  taskId: string,
  pid: string,
  leaseId: string | null,
  resultJson: string | null,
): FencedTuple => [taskId, pid, leaseId, resultJson];

/**
 * The backoff of the failure being written, in ms: the task's own `backoff`,
 * else the failing worker's (`w_backoff`); exponential by default. With
 * `failures` earlier failures: `min(cap, base << failures)`, then a random
 * point of its upper half (jitter, so tasks that failed together do not
 * retry together); fixed: `delayMs`.
 */
const B = "coalesce(backoff, w_backoff)";
const GROWN =
  `min(coalesce(${B} ->> 'capMs', ${BACKOFF_CAP_MS}), coalesce(${B} ->> 'baseMs', ${BACKOFF_BASE_MS}) << min(failures, 30))`;
const BACKOFF = `CASE WHEN ${B} ->> 'type' = 'fixed' THEN ${B} ->> 'delayMs'
    ELSE ${GROWN} - abs(random() % (${GROWN} / 2 + 1)) END`;
/**
 * An owner's failure with attempts left goes back to `starting` after its
 * backoff; a task without `max_attempts` uses the worker's (`w_max`), else 1:
 * a failed outcome is final. An owner-less task failed by hand ends `failed`.
 */
const RETRY = `(${statusIn(fromOf("fail", "owner"))} AND coalesce(max_attempts, w_max, 1) > failures + 1)`;
const [FAILED, RETRIED] = TRANSITIONS.fail.to;

/** Tuples `failTuple`. */
export const FAIL = `UPDATE sokka_tasks
  SET status = CASE WHEN ${RETRY} THEN ${lit(RETRIED)} ELSE ${lit(FAILED)} END, error = w_v, failures = failures + 1,
    ready_at = CASE WHEN ${RETRY} THEN ${NOW} + ${BACKOFF} END, ${NO_LEASE}, ${TOUCH}
  ${TUPLES} AND ${fencedGuard("fail")}
  RETURNING ${COLUMNS}`;

/** A failure of `taskId` with its error text, and the failing worker's retry defaults (null: none). */
export const failTuple = (
  taskId: string,
  pid: string,
  leaseId: string | null,
  error: string,
  maxAttempts: number | null,
  backoffJson: string | null,
): FencedTuple => [taskId, pid, leaseId, error, maxAttempts, backoffJson];

/** Tuples `snoozeTuple`. */
export const SNOOZE = `UPDATE sokka_tasks
  SET status = ${lit(TRANSITIONS.snooze.to[0])}, snooze_time = w_v, ${NO_LEASE}, ready_at = ${NOW} + w_v, ${TOUCH}
  ${TUPLES} AND ${fencedGuard("snooze")}
  RETURNING ${COLUMNS}`;

/** A snooze of `taskId` for `snoozeMs`. */
export const snoozeTuple = (taskId: string, pid: string, leaseId: string | null, snoozeMs: number): FencedTuple => [
  taskId,
  pid,
  leaseId,
  snoozeMs,
];
