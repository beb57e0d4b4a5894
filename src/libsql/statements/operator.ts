/**
 * The statements of an operator's actions on tasks and topics: cancel, hold,
 * release, re-run, pause and resume a topic, and pruning. Each transition is
 * ONE guarded statement over a single task id (`?1`), returning the task as
 * written (`COLUMNS`); a statement that touches no row is explained by one
 * read (`refusal.ts`), as for the worker's transitions. Each guard is the
 * transition table's (`transitions.ts`).
 *
 * @module
 */

import { TRANSITIONS } from "../../transitions.ts";
import { COLUMNS, NO_LEASE, NOW, TOUCH } from "./fragments.ts";
import { lit, operatorGuard } from "./guards.ts";
import { HOLD_FREE } from "./unique.ts";

/**
 * ?1 task, ?2 reason. A waiting, held or running task → `cancelled` (final),
 * the reason kept as its `error`. A running one's lease is cleared at once:
 * its worker's next keepalive is refused (`task-cancelled`) and aborts its
 * signal, and its late outcome is refused the same way.
 */
export const CANCEL = `UPDATE sokka_tasks
  SET status = ${lit(TRANSITIONS.cancelTask.to[0])}, error = ?2, ${NO_LEASE}, ready_at = NULL, ${TOUCH}
  WHERE ${operatorGuard("cancelTask")}
  RETURNING ${COLUMNS}`;

/** ?1 task. A waiting task (`starting` or `snoozed`) → `held`: kept, never reserved until released. */
export const HOLD = `UPDATE sokka_tasks
  SET status = ${lit(TRANSITIONS.holdTask.to[0])}, ready_at = NULL, ${TOUCH}
  WHERE ${operatorGuard("holdTask")}
  RETURNING ${COLUMNS}`;

/**
 * ?1 task. `held` → `starting`, reservable at once, unless another task of
 * its topic holds its unique key (a held debounce task does not hold it:
 * a create meanwhile made another).
 */
export const RELEASE = `UPDATE sokka_tasks
  SET status = ${lit(TRANSITIONS.releaseTask.to[0])}, ready_at = ${NOW}, ${TOUCH}
  WHERE ${operatorGuard("releaseTask")} AND ${HOLD_FREE}
  RETURNING ${COLUMNS}`;

/**
 * A re-run task waits (`blocked`) while a dependency has not ended, or one
 * ended failed or cancelled and its policy is not "run" (it waits for that
 * one's re-run).
 */
const WAITS = `(deps_left > 0 OR (json_extract(deps, '$.policy') <> 'run' AND EXISTS (
    SELECT 1 FROM sokka_deps d JOIN sokka_tasks t ON t.task_id = d.dependency
    WHERE d.dependant = sokka_tasks.task_id AND (t.status = 'failed' OR t.status = 'cancelled'))))`;

/**
 * ?1 task. A `failed` or `cancelled` task → `starting` (`blocked` while it
 * waits for a dependency, see WAITS), unless another task of its topic holds
 * its unique key now, reservable at once,
 * with its attempts afresh (`failures` 0); `attempts` and the last `error`
 * stay as its history, a stale `result` is cleared.
 */
export const RETRY_TASK = `UPDATE sokka_tasks
  SET status = CASE WHEN ${WAITS} THEN 'blocked' ELSE ${lit(TRANSITIONS.retryTask.to[0])} END, failures = 0,
    result = NULL, blocker = NULL, ready_at = CASE WHEN ${WAITS} THEN NULL ELSE ${NOW} END, ${TOUCH}
  WHERE ${operatorGuard("retryTask")} AND ${HOLD_FREE}
  RETURNING ${COLUMNS}`;

/** ?1 topic. Idempotent: pausing a paused topic keeps its first time. */
export const PAUSE_TOPIC = `INSERT INTO sokka_paused_topics (topic, paused_at) VALUES (?1, ${NOW})
  ON CONFLICT (topic) DO NOTHING`;

/** ?1 topic. Idempotent. */
export const RESUME_TOPIC = "DELETE FROM sokka_paused_topics WHERE topic = ?1";

/** Every paused topic and since when. */
export const PAUSED_TOPICS = "SELECT topic, paused_at FROM sokka_paused_topics ORDER BY topic";

/**
 * ?1 a final status, ?2 age in ms, ?3 batch size. Deletes up to ?3 tasks in
 * that status not updated for ?2 ms, oldest first: a search of
 * (status, updated_at) and a short write transaction, so other writers get
 * the lock between batches.
 */
export const PRUNE_BATCH = `DELETE FROM sokka_tasks WHERE id IN (
    SELECT id FROM sokka_tasks WHERE status = ?1 AND ready_at IS NULL AND updated_at < ${NOW} - ?2 ORDER BY updated_at LIMIT ?3
  )`;

/** As `PRUNE_BATCH`, only tasks of topic ?4: a search of (topic, status, updated_at). */
export const PRUNE_TOPIC_BATCH = `DELETE FROM sokka_tasks WHERE id IN (
    SELECT id FROM sokka_tasks WHERE topic = ?4 AND status = ?1 AND ready_at IS NULL AND updated_at < ${NOW} - ?2 ORDER BY updated_at LIMIT ?3
  )`;
