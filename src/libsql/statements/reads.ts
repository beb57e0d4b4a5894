/**
 * The store's plain reads: a task, a group, the state a refused transition
 * is explained by, cancelled ones among running ids, the change counter and
 * the per-topic counts.
 *
 * @module
 */

import { statusesKept } from "../../transitions.ts";
import { COLUMNS, NOW, PARKED, WAITING } from "./fragments.ts";
import { lit } from "./guards.ts";

/** ?1 task id. */
export const SELECT_TASK = `SELECT ${COLUMNS} FROM sokka_tasks WHERE task_id = ?1`;

/**
 * ?1 group id: its tasks in creation order: the task whose id is the group's
 * (its `task_group_id` NULL, so not in the partial group index), then the
 * others from that index; both arms come ordered by id, so SQLite merges them.
 */
export const SELECT_GROUP = `SELECT id, ${COLUMNS} FROM sokka_tasks WHERE task_id = ?1 AND task_group_id IS NULL
  UNION ALL SELECT id, ${COLUMNS} FROM sokka_tasks WHERE task_group_id = ?1
  ORDER BY id`;

/** ?1 task id: what a refused transition is classified by (read only after the write touched no row). */
export const SELECT_STATE = `SELECT status, pid, lease_id, record_ver, lease_expires_at > ${NOW} AS live
  FROM sokka_tasks WHERE task_id = ?1`;

/** ?1 JSON array of task ids: those of them that are cancelled (a running worker's look after another process committed). */
export const CANCELLED_AMONG = `SELECT task_id, error FROM sokka_tasks
  WHERE task_id IN (SELECT value FROM json_each(?1)) AND status = ${lit("cancelled")}`;

/** Changes when another connection (another process) commits; costs no table read. */
export const DATA_VERSION = "PRAGMA data_version";

/** Tasks per topic and status: one walk of each partial index, index-only. */
export const TOPIC_STATS = `SELECT topic, ${
  lit(statusesKept("waiting")[0])
} AS status, count(*) AS n FROM sokka_tasks WHERE ${WAITING} GROUP BY topic
  UNION ALL SELECT topic, status, count(*) AS n FROM sokka_tasks WHERE ${PARKED} GROUP BY status, topic
  UNION ALL SELECT topic, status, count(*) AS n FROM sokka_tasks WHERE ready_at IS NULL GROUP BY topic, status`;
