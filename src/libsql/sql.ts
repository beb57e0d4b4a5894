/**
 * Every statement of the libSQL store, built once at load time. Each state
 * transition is ONE guarded statement: its WHERE clause encodes the allowed
 * source states, the owner and the lease fence, so it is correct with many
 * processes and costs one round trip. Time is the database's clock only.
 *
 * @module
 */

/** The database clock in epoch milliseconds. */
const NOW = "CAST(unixepoch('subsec') * 1000 AS INTEGER)";

/** The columns every statement returns, in `rowToTask`'s order. */
export const COLUMNS =
  "task_id, task_group_id, task_description, topic, sub_topic, status, pid, record_ver, error, snooze_time, timeout_ms, data, created_at, updated_at, attempts, lease_id, lease_expires_at";

/**
 * Clears the lease of a task leaving `running`. `pid` stays: it is the last
 * owner from then on (a Task shows it as `lastPid`, and `pid` only while
 * running), so a finished task still tells which worker ran it.
 */
const NO_LEASE = "lease_id = NULL, lease_expires_at = NULL";
/** Every write bumps the version and the update time. */
const TOUCH = `record_ver = record_ver + 1, updated_at = ${NOW}`;
/** The running task belongs to the caller (?2), and to that very reservation when ?3 is given. */
const OWNED = "(status = 'running' AND pid = ?2 AND (?3 IS NULL OR lease_id = ?3))";
/** An owner-less task that may move to a final state (only without a fence: a fenced write needs the reservation). */
const UNOWNED = "(status IN ('starting', 'snoozed') AND ?3 IS NULL)";

export const INSERT_TASK = `INSERT INTO sokka_tasks
  (task_id, task_group_id, task_description, topic, sub_topic, status, record_ver, timeout_ms, data, created_at, updated_at, attempts, ready_at)
  VALUES (?1, ?2, ?3, ?4, ?5, 'starting', 1, ?6, ?7, ${NOW}, ${NOW}, 0, ${NOW})
  ON CONFLICT (task_id) DO NOTHING
  RETURNING ${COLUMNS}`;

/**
 * Many tasks from ONE JSON-array argument (`[[taskId, groupId, description,
 * topic, subTopic, timeoutMs, dataJson], …]`): one statement per chunk, no
 * per-row argument marshalling, and no RETURNING (the driver's per-row cost
 * of returned columns would dominate): the caller knows every field but the
 * time, which `CREATED_AT` reads back. Every row of one statement gets the
 * same time. Without ON CONFLICT, so a duplicate aborts the whole batch: all
 * or nothing.
 */
export const INSERT_TASKS_JSON = `INSERT INTO sokka_tasks
  (task_id, task_group_id, task_description, topic, sub_topic, status, record_ver, timeout_ms, data, created_at, updated_at, attempts, ready_at)
  SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, 'starting', 1, value ->> 5, value ->> 6,
         ${NOW}, ${NOW}, 0, ${NOW}
  FROM json_each(?1)`;

export const CREATED_AT = "SELECT created_at FROM sokka_tasks WHERE task_id = ?1";

export const EXISTING_IDS_JSON = "SELECT task_id FROM sokka_tasks WHERE task_id IN (SELECT value FROM json_each(?1))";

export const SELECT_TASK = `SELECT ${COLUMNS} FROM sokka_tasks WHERE task_id = ?1`;

export const SELECT_GROUP = `SELECT ${COLUMNS} FROM sokka_tasks WHERE task_group_id = ?1 ORDER BY id`;

/** What a refused transition is classified by (read only after the write touched no row). */
export const SELECT_STATE = `SELECT status, pid, lease_id, record_ver, lease_expires_at > ${NOW} AS live
  FROM sokka_tasks WHERE task_id = ?1`;

const RESERVE_SET = `status = 'running', pid = ?2, lease_id = lower(hex(randomblob(16))),
  lease_expires_at = ${NOW} + ?3, ready_at = ${NOW} + ?3, attempts = attempts + 1, ${TOUCH}`;
/** Reservable tasks of topic ?1, oldest-ready first; served by the partial index. */
const RESERVABLE = `SELECT id FROM sokka_tasks WHERE topic = ?1 AND ready_at <= ${NOW} ORDER BY ready_at, id`;

/** ?1 topic, ?2 pid, ?3 lease ms. */
export const RESERVE_ONE = `UPDATE sokka_tasks SET ${RESERVE_SET}
  WHERE id = (${RESERVABLE} LIMIT 1)
  RETURNING ${COLUMNS}`;

/** ?1 topic, ?2 pid, ?3 lease ms, ?4 how many. Each row gets its own lease id. */
export const RESERVE_MANY = `UPDATE sokka_tasks SET ${RESERVE_SET}
  WHERE id IN (${RESERVABLE} LIMIT ?4)
  RETURNING ${COLUMNS}`;

/** ?1 task, ?2 pid, ?3 lease id or NULL, ?4 lease ms. Refuses an expired lease. */
export const EXTEND_LEASE = `UPDATE sokka_tasks
  SET lease_expires_at = ${NOW} + ?4, ready_at = ${NOW} + ?4, ${TOUCH}
  WHERE task_id = ?1 AND ${OWNED} AND lease_expires_at > ${NOW}
  RETURNING ${COLUMNS}`;

/** ?1 task, ?2 pid, ?3 lease id or NULL. */
export const TERMINATE = `UPDATE sokka_tasks
  SET status = 'terminated', ${NO_LEASE}, ready_at = NULL, ${TOUCH}
  WHERE task_id = ?1 AND (${OWNED} OR ${UNOWNED})
  RETURNING ${COLUMNS}`;

/** ?1 task, ?2 pid, ?3 lease id or NULL, ?4 error text. */
export const FAIL = `UPDATE sokka_tasks
  SET status = 'failed', error = ?4, ${NO_LEASE}, ready_at = NULL, ${TOUCH}
  WHERE task_id = ?1 AND (${OWNED} OR ${UNOWNED})
  RETURNING ${COLUMNS}`;

/** ?1 task, ?2 pid, ?3 lease id or NULL, ?4 snooze ms. Only a running task may snooze. */
export const SNOOZE = `UPDATE sokka_tasks
  SET status = 'snoozed', snooze_time = ?4, ${NO_LEASE}, ready_at = ${NOW} + ?4, ${TOUCH}
  WHERE task_id = ?1 AND ${OWNED}
  RETURNING ${COLUMNS}`;

/** ?1 task, ?2 record version. Running or snoozed → starting, reservable at once. */
export const REVOKE_LEASE = `UPDATE sokka_tasks
  SET status = 'starting', ${NO_LEASE}, ready_at = ${NOW}, ${TOUCH}
  WHERE task_id = ?1 AND record_ver = ?2 AND status IN ('running', 'snoozed')
  RETURNING ${COLUMNS}`;

/** Tasks per topic and status; an index-only scan of sokka_tasks_by_topic_status. */
export const TOPIC_STATS = "SELECT topic, status, count(*) AS n FROM sokka_tasks GROUP BY topic, status ORDER BY topic";

/** Filters of a listing that are present, in a fixed order. */
export interface FilterShape {
  topic: boolean;
  subTopic: boolean;
  status: boolean;
  from: boolean;
  to: boolean;
}

/** A listing: its filters, whether it resumes past a cursor, and its direction. */
export interface ListShape extends FilterShape {
  after: boolean;
  desc: boolean;
}

const listCache = new Map<string, string>();

function whereOf(shape: FilterShape, extra: string[] = []): string {
  const where: string[] = [];
  if (shape.topic) where.push("topic = ?");
  if (shape.subTopic) where.push("sub_topic = ?");
  if (shape.status) where.push("status = ?");
  if (shape.from) where.push("updated_at >= ?");
  if (shape.to) where.push("updated_at <= ?");
  where.push(...extra);
  return where.length ? ` WHERE ${where.join(" AND ")}` : "";
}

/**
 * The listing statement for the filters present and the direction; at most
 * 128 shapes, each built once. Arguments follow the order of `ListShape`
 * (the cursor's updatedAt and taskId for `after`), then the limit.
 */
export function listSql(shape: ListShape): string {
  const key = `L${+shape.topic}${+shape.subTopic}${+shape.status}${+shape.from}${+shape.to}${+shape.after}${+shape
    .desc}`;
  let sql = listCache.get(key);
  if (sql === undefined) {
    const dir = shape.desc ? "DESC" : "ASC";
    const past = shape.after ? [`(updated_at, task_id) ${shape.desc ? "<" : ">"} (?, ?)`] : [];
    sql = `SELECT ${COLUMNS} FROM sokka_tasks${whereOf(shape, past)}
      ORDER BY updated_at ${dir}, task_id ${dir} LIMIT ?`;
    listCache.set(key, sql);
  }
  return sql;
}

/** How many tasks match the filters present (arguments as for `listSql`, no cursor, no limit). */
export function countSql(shape: FilterShape): string {
  const key = `C${+shape.topic}${+shape.subTopic}${+shape.status}${+shape.from}${+shape.to}`;
  let sql = listCache.get(key);
  if (sql === undefined) {
    sql = `SELECT count(*) AS n FROM sokka_tasks${whereOf(shape)}`;
    listCache.set(key, sql);
  }
  return sql;
}
