/**
 * The pieces every statement of the libSQL store is built from: the clock,
 * the returned columns, the write bookkeeping, and the conditions of the two
 * live indexes. Each statement lives in its own file beside the function that
 * builds its arguments; time is the database's clock only.
 *
 * @module
 */

import { statusesKept } from "../../transitions.ts";
import { statusIn } from "./guards.ts";

/** The database clock in epoch milliseconds. */
export const NOW = "CAST(unixepoch('subsec') * 1000 AS INTEGER)";

/**
 * A dependant's dependencies with their statuses, as a JSON array of
 * `[id, status]` (status null: pruned — a task made later under its id is
 * not it: a dependency is always older than its dependant) in the order given; only read for a
 * task that has `deps` (every other row pays one column test).
 */
const DEPENDS_ON = `CASE WHEN sokka_tasks.deps IS NULL THEN NULL ELSE (
    SELECT json_group_array(json_array(j.value, t.status)) FROM json_each(sokka_tasks.deps, '$.on') AS j
    LEFT JOIN sokka_tasks AS t ON t.task_id = j.value AND t.created_at <= sokka_tasks.created_at) END`;

/**
 * What every statement that returns tasks returns: the row as ONE JSON array
 * (`r`, in rows.ts's `RowArray` order) and `data`. The driver's cost grows
 * with every returned column, while one JSON text is one value and one
 * `JSON.parse`. `backoff` and `result` come as JSON texts and `ready_at` raw
 * (rows.ts reads them).
 */
export const COLUMNS =
  `json_array(task_id, task_group_id, task_description, topic, sub_topic, status, pid, record_ver, error, snooze_time, timeout_ms, created_at, updated_at, attempts, lease_id, lease_expires_at, priority, max_attempts, backoff, failures, ready_at, result, schedule_name, slot_at, unique_def, deps, dependants, ${DEPENDS_ON}, partition_key) AS r, data`;

/**
 * Clears the lease of a task leaving `running`. `pid` stays: it is the last
 * owner from then on (a Task shows it as `lastPid`, and `pid` only while
 * running), so a finished task still tells which worker ran it.
 */
export const NO_LEASE = "lease_id = NULL, lease_expires_at = NULL";
/** Every write bumps the version and the update time. */
export const TOUCH = `record_ver = record_ver + 1, updated_at = ${NOW}`;

/**
 * The live tasks are in two partial indexes, each named by its condition
 * (every statement that searches one repeats the condition word for word, which
 * is how SQLite knows the index holds what it needs; schema.ts creates them
 * from these). Waiting tasks by (topic, priority, ready_at): the reservation
 * order. Parked (running and snoozed) ones by (status, topic, ready_at): only
 * those whose lease or snooze ran out are reservable, and a search by time
 * stops at the first that has not, however many are parked.
 */
export const WAITING = statusIn(statusesKept("waiting"));
/** See `WAITING`. */
export const PARKED = statusIn(statusesKept("parked"));

/** Topic ?1 is paused: nothing of it is reserved (an uncorrelated subquery, evaluated once per statement). */
export const PAUSED = "EXISTS (SELECT 1 FROM sokka_paused_topics WHERE topic = ?1)";

/** The sub-topic of a task that names none. */
export const DEFAULT_SUB_TOPIC = "default";

/**
 * The soonest `ready_at` among topic ?1's live tasks, as rows `r` (NULLs
 * where none): for the waiting ones a loose index scan (one seek per distinct
 * priority, then the first entry of each), for the parked ones the first entry
 * of each status. Index seeks only, no table read.
 */
export const SOONEST_READY = `WITH RECURSIVE p(v) AS (
    SELECT min(priority) FROM sokka_tasks WHERE ${WAITING} AND topic = ?1
    UNION ALL
    SELECT (SELECT min(priority) FROM sokka_tasks WHERE ${WAITING} AND topic = ?1 AND priority > v)
    FROM p WHERE v IS NOT NULL
  ), soonest(r) AS (
    SELECT (SELECT min(ready_at) FROM sokka_tasks WHERE ${WAITING} AND topic = ?1 AND priority = v) FROM p
    WHERE v IS NOT NULL
${
  statusesKept("parked").map((s) =>
    `    UNION ALL SELECT min(ready_at) FROM sokka_tasks WHERE ${PARKED} AND ${statusIn([s])} AND topic = ?1`
  ).join("\n")
}
  )`;
