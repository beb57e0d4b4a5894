/**
 * Every statement of the libSQL store, built once at load time. Each state
 * transition is ONE guarded statement: its WHERE clause encodes the allowed
 * source states, the owner and the lease fence, so it is correct with many
 * processes and costs one round trip. Time is the database's clock only.
 *
 * @module
 */

import { BACKOFF_BASE_MS, BACKOFF_CAP_MS, LIVE_COUNT, STATUSES } from "../schemas.ts";

/** The database clock in epoch milliseconds. */
export const NOW = "CAST(unixepoch('subsec') * 1000 AS INTEGER)";

/**
 * What every statement that returns tasks returns: the row as ONE JSON array
 * (`r`, in `rowToTask`'s order) and `data`. The driver's cost grows with every
 * returned column (each is a separate native value and conversion), while one
 * JSON text is one value and one `JSON.parse`: measured on this schema, 32-task
 * reservations plus their completions ran 30 % faster than with 17 columns.
 * `backoff` and `result` come as JSON texts and `ready_at` raw (rows.ts reads
 * them): `json()` and `CASE` here cost a worker at concurrency 1 about 4 % more.
 */
export const COLUMNS =
  "json_array(task_id, task_group_id, task_description, topic, sub_topic, status, pid, record_ver, error, snooze_time, timeout_ms, created_at, updated_at, attempts, lease_id, lease_expires_at, priority, max_attempts, backoff, failures, ready_at, result) AS r, data";

/**
 * Clears the lease of a task leaving `running`. `pid` stays: it is the last
 * owner from then on (a Task shows it as `lastPid`, and `pid` only while
 * running), so a finished task still tells which worker ran it.
 */
export const NO_LEASE = "lease_id = NULL, lease_expires_at = NULL";
/** Every write bumps the version and the update time. */
export const TOUCH = `record_ver = record_ver + 1, updated_at = ${NOW}`;

/**
 * Every transition takes ONE argument: a JSON array of tuples
 * `[taskId, pid, leaseId | null, value]` (`[taskId, recordVer]` for
 * revokeLease), so the same statement moves one task (a method call) or all
 * the tasks of a worker's tick (`applyWrites`) in one step. Each tuple carries
 * its own owner and fence; the guards below are per row.
 */
const TUPLES = `FROM (SELECT value ->> 0 AS w_id, value ->> 1 AS w_pid, value ->> 2 AS w_lease, value ->> 3 AS w_v,
      value ->> 4 AS w_max, value ->> 5 AS w_backoff
    FROM json_each(?1)) AS w
  WHERE task_id = w_id`;
/**
 * The running task belongs to the tuple's pid, and to that very reservation
 * when it names a lease. (`+status`: the unary plus keeps the planner off the
 * status index, so each tuple finds its row by task_id, never a scan of all
 * running tasks.)
 */
const OWNED = "(+status = 'running' AND pid = w_pid AND (w_lease IS NULL OR lease_id = w_lease))";
/** An owner-less task that may move to a final state (only without a fence: a fenced write needs the reservation). */
const UNOWNED = "(+status IN ('starting', 'snoozed') AND w_lease IS NULL)";

/**
 * The columns a create writes. A task row (`TaskRow` in taskq.ts) is
 * `[taskId, groupId, description, topic, subTopic, timeoutMs, dataJson,
 * priority, maxAttempts, backoffJson, delayMs, runAt]`; `ready_at` is `runAt`,
 * else creation + `delayMs`.
 */
const INSERT_COLUMNS =
  "task_id, task_group_id, task_description, topic, sub_topic, status, record_ver, timeout_ms, data, created_at, updated_at, attempts, ready_at, priority, max_attempts, backoff";
/**
 * The values of `INSERT_COLUMNS` from a plain JSON task row, one that gives
 * none of the five later fields (`[taskId, …, dataJson]`): every `->>` parses
 * its row again, so a bulk insert of plain tasks reads only seven (measured:
 * twelve cost bulk creates about a fifth of their rate).
 */
const PLAIN_ROW_VALUES =
  `value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, 'starting', 1, value ->> 5, value ->> 6,
         now, now, 0, now, 0, NULL, NULL`;
/** The sub-topic of a task that names none. */
export const DEFAULT_SUB_TOPIC = "default";
/**
 * The values of `INSERT_COLUMNS` from a bare JSON task row, `[taskId,
 * dataJson]`, of topic ?2: a task that gives nothing but its topic and data
 * (and perhaps its id), the usual bulk. Three `->>` per row instead of seven:
 * measured on this schema, the INSERT alone ran 237k rows/s from plain rows
 * and 303k from bare ones.
 */
const BARE_ROW_VALUES = `value ->> 0, NULL, NULL, ?2, '${DEFAULT_SUB_TOPIC}', 'starting', 1, NULL, value ->> 1,
         now, now, 0, now, 0, NULL, NULL`;
/** The values of `INSERT_COLUMNS` from a JSON task row (`value`) and the clock (`now`). */
const ROW_VALUES =
  `value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, 'starting', 1, value ->> 5, value ->> 6,
         now, now, 0, coalesce(value ->> 11, now + coalesce(value ->> 10, 0)), coalesce(value ->> 7, 0), value ->> 8, value ->> 9`;

/**
 * One task; returns only its time (`INSERT_TASK`'s caller knows every other
 * field). `ON CONFLICT DO NOTHING`: an existing id returns no row and nothing
 * is overwritten. One clock read for the three times.
 */
export const INSERT_TASK = `INSERT INTO sokka_tasks (${INSERT_COLUMNS})
  SELECT ?1, ?2, ?3, ?4, ?5, 'starting', 1, ?6, ?7, now, now, 0, coalesce(?12, now + coalesce(?11, 0)), coalesce(?8, 0), ?9, ?10
  FROM (SELECT ${NOW} AS now) WHERE true
  ON CONFLICT (task_id) DO NOTHING
  RETURNING created_at`;

/**
 * Many tasks from ONE JSON-array argument (`[[taskId, groupId, description,
 * topic, subTopic, timeoutMs, dataJson], …]`): one statement per chunk, no
 * per-row argument marshalling, and no RETURNING (the driver's per-row cost
 * of returned columns would dominate): the caller knows every field but the
 * time, which `CREATED_AT` reads back. Every row of one statement gets the
 * same time. Without ON CONFLICT, so a duplicate aborts the whole batch: all
 * or nothing.
 */
export const INSERT_TASKS_JSON = `INSERT INTO sokka_tasks (${INSERT_COLUMNS})
  SELECT ${ROW_VALUES}
  FROM json_each(?1), (SELECT ${NOW} AS now)`;

/** `INSERT_TASKS_JSON` for plain rows (see `PLAIN_ROW_VALUES`). */
export const INSERT_PLAIN_TASKS_JSON = `INSERT INTO sokka_tasks (${INSERT_COLUMNS})
  SELECT ${PLAIN_ROW_VALUES}
  FROM json_each(?1), (SELECT ${NOW} AS now)`;

/** `INSERT_TASKS_JSON` for bare rows of one topic (see `BARE_ROW_VALUES`). */
export const INSERT_BARE_TASKS_JSON = `INSERT INTO sokka_tasks (${INSERT_COLUMNS})
  SELECT ${BARE_ROW_VALUES}
  FROM json_each(?1), (SELECT ${NOW} AS now)`;

/**
 * Concurrent `createTask` calls as one statement (group commit): the rows of
 * `INSERT_TASKS_JSON`, each kept or skipped on its own (an existing id skips
 * only its row), returning the id and time of every row written.
 */
export const INSERT_TASKS_EACH = `INSERT INTO sokka_tasks (${INSERT_COLUMNS})
  SELECT ${ROW_VALUES}
  FROM json_each(?1), (SELECT ${NOW} AS now) WHERE true
  ON CONFLICT (task_id) DO NOTHING
  RETURNING task_id, created_at`;

/** `INSERT_TASKS_EACH` for plain rows (see `PLAIN_ROW_VALUES`). */
export const INSERT_PLAIN_TASKS_EACH = `INSERT INTO sokka_tasks (${INSERT_COLUMNS})
  SELECT ${PLAIN_ROW_VALUES}
  FROM json_each(?1), (SELECT ${NOW} AS now) WHERE true
  ON CONFLICT (task_id) DO NOTHING
  RETURNING task_id, created_at`;

/** `INSERT_TASKS_EACH` for bare rows of one topic (see `BARE_ROW_VALUES`). */
export const INSERT_BARE_TASKS_EACH = `INSERT INTO sokka_tasks (${INSERT_COLUMNS})
  SELECT ${BARE_ROW_VALUES}
  FROM json_each(?1), (SELECT ${NOW} AS now) WHERE true
  ON CONFLICT (task_id) DO NOTHING
  RETURNING task_id, created_at`;

export const CREATED_AT = "SELECT created_at FROM sokka_tasks WHERE task_id = ?1";

export const EXISTING_IDS_JSON = "SELECT task_id FROM sokka_tasks WHERE task_id IN (SELECT value FROM json_each(?1))";

export const SELECT_TASK = `SELECT ${COLUMNS} FROM sokka_tasks WHERE task_id = ?1`;

/**
 * A group's tasks in creation order: the task whose id is the group's (its
 * `task_group_id` NULL, so not in the partial group index), then the others
 * from that index; both arms come ordered by id, so SQLite merges them.
 */
export const SELECT_GROUP = `SELECT id, ${COLUMNS} FROM sokka_tasks WHERE task_id = ?1 AND task_group_id IS NULL
  UNION ALL SELECT id, ${COLUMNS} FROM sokka_tasks WHERE task_group_id = ?1
  ORDER BY id`;

/** What a refused transition is classified by (read only after the write touched no row). */
export const SELECT_STATE = `SELECT status, pid, lease_id, record_ver, lease_expires_at > ${NOW} AS live
  FROM sokka_tasks WHERE task_id = ?1`;

/**
 * A reservable `running` task is one whose lease expired: its worker died or
 * stalled. That counts as a failed attempt; a task with its own
 * `max_attempts` that has used them up ends `failed` here instead of running
 * again (a poison task that kills its worker every time cannot loop forever).
 * The statement returns such rows too (status `failed`); callers keep only
 * the `running` ones.
 */
const EXPIRED = "status = 'running'";
const EXHAUSTED = `(${EXPIRED} AND max_attempts IS NOT NULL AND failures + 1 >= max_attempts)`;
const RESERVE_SET = `status = CASE WHEN ${EXHAUSTED} THEN 'failed' ELSE 'running' END,
  pid = CASE WHEN ${EXHAUSTED} THEN pid ELSE ?2 END,
  lease_id = CASE WHEN ${EXHAUSTED} THEN NULL ELSE lower(hex(randomblob(16))) END,
  lease_expires_at = CASE WHEN ${EXHAUSTED} THEN NULL ELSE ${NOW} + ?3 END,
  ready_at = CASE WHEN ${EXHAUSTED} THEN NULL ELSE ${NOW} + ?3 END,
  attempts = attempts + CASE WHEN ${EXHAUSTED} THEN 0 ELSE 1 END,
  failures = failures + (${EXPIRED}),
  error = CASE WHEN ${EXPIRED} THEN 'lease expired: ' || pid || ' neither finished nor extended attempt ' || attempts ELSE error END,
  ${TOUCH}`;
/** Topic ?1 is paused: nothing of it is reserved (an uncorrelated subquery, evaluated once per statement). */
export const PAUSED = "EXISTS (SELECT 1 FROM sokka_paused_topics WHERE topic = ?1)";
/**
 * The live tasks are in two partial indexes, each named by its condition
 * (every statement that searches one repeats the condition word for word, which
 * is how SQLite knows the index holds what it needs). Waiting tasks by
 * (topic, priority, ready_at): the reservation order. Running and snoozed
 * ones by (status, topic, ready_at): only those whose lease or snooze ran out
 * are reservable, and a search by time stops at the first that has not,
 * however many are parked.
 */
export const WAITING = "status = 'starting'";
/** See `WAITING`. */
export const PARKED = "status IN ('running', 'snoozed')";

/**
 * Up to `limit` reservable tasks of topic ?1: lowest priority first, then
 * oldest-ready, then oldest. Waiting ones come in that order from their
 * index; running and snoozed ones that are due are searched by time and
 * sorted (only the due ones: usually none or a few); SQLite merges the two
 * (no sort of the waiting), and LIMIT stops the walk. A paused topic gets a
 * LIMIT of 0: the check sits in the LIMIT, not in a WHERE around the merge,
 * because SQLite ≥ 3.46 (every patched SQLite sokka runs on) evaluated
 * `WHERE NOT paused` around the ordered UNION ALL inside an UPDATE far
 * slower than 3.45 did: the reservation took 2.1× as long on better-sqlite3's
 * 3.53.2 as on libsql's 3.45.1 (130.7 ms against 63.3 ms for 313
 * reservations of 32, a worker's 10,000 tasks), the whole worker ran at 0.8×;
 * with the check in the LIMIT, 3.53.2 ran the bare statement faster than
 * 3.45.1 (39–43 µs against 49 µs, 32 rows, BEGIN … ROLLBACK loop).
 */
const reservable = (limit: string, also = "") =>
  `SELECT id FROM (
    SELECT id, priority AS p, ready_at AS r FROM sokka_tasks WHERE ${WAITING} AND topic = ?1 AND ready_at <= ${NOW}${also}
    UNION ALL
    SELECT id, priority AS p, ready_at AS r FROM sokka_tasks WHERE ${PARKED} AND topic = ?1 AND ready_at <= ${NOW}${also}
    ORDER BY p, r, id
  ) LIMIT (CASE WHEN ${PAUSED} THEN 0 ELSE ${limit} END)`;

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
    UNION ALL SELECT min(ready_at) FROM sokka_tasks WHERE ${PARKED} AND status = 'running' AND topic = ?1
    UNION ALL SELECT min(ready_at) FROM sokka_tasks WHERE ${PARKED} AND status = 'snoozed' AND topic = ?1
  )`;

/**
 * How many ms until the next task of topic ?1 is reservable (≤ 0: one is now;
 * NULL: none is live, or the topic is paused): an idle waiter sleeps that
 * long. See `SOONEST_READY`; no write lock.
 */
export const NEXT_READY = `${SOONEST_READY}
  SELECT min(r) - ${NOW} AS wait FROM soonest WHERE NOT ${PAUSED}`;

/** ?1 JSON array of task ids: those of them that are cancelled (a running worker's look after another process committed). */
export const CANCELLED_AMONG = `SELECT task_id, error FROM sokka_tasks
  WHERE task_id IN (SELECT value FROM json_each(?1)) AND status = 'cancelled'`;

/** Changes when another connection (another process) commits; costs no table read. */
export const DATA_VERSION = "PRAGMA data_version";

/** ?1 topic, ?2 pid, ?3 lease ms. */
export const RESERVE_ONE = `UPDATE sokka_tasks SET ${RESERVE_SET}
  WHERE id = (${reservable("1")})
  RETURNING ${COLUMNS}`;

/** ?1 topic, ?2 pid, ?3 lease ms, ?4 how many. Each row gets its own lease id. */
export const RESERVE_MANY = `UPDATE sokka_tasks SET ${RESERVE_SET}
  WHERE id IN (${reservable("?4")})
  RETURNING ${COLUMNS}`;

/**
 * `RESERVE_MANY` passing over the tasks whose ids are in the JSON array ?5
 * (a drain's tasks too long for its budget: it handed them back once and must
 * not take them again). A statement of its own, so that the worker's stays as
 * it is.
 */
export const RESERVE_MANY_EXCEPT = `UPDATE sokka_tasks SET ${RESERVE_SET}
  WHERE id IN (${reservable("?4", " AND task_id NOT IN (SELECT value FROM json_each(?5))")})
  RETURNING ${COLUMNS}`;

/** Tuples `[task, pid, lease | null, lease ms]`. Refuses an expired lease. */
export const EXTEND_LEASE = `UPDATE sokka_tasks
  SET lease_expires_at = ${NOW} + w_v, ready_at = ${NOW} + w_v, ${TOUCH}
  ${TUPLES} AND ${OWNED} AND lease_expires_at > ${NOW}
  RETURNING ${COLUMNS}`;

/** Tuples `[task, pid, lease | null, result JSON | null]`. */
export const TERMINATE = `UPDATE sokka_tasks
  SET status = 'terminated', result = w_v, ${NO_LEASE}, ready_at = NULL, ${TOUCH}
  ${TUPLES} AND (${OWNED} OR ${UNOWNED})
  RETURNING ${COLUMNS}`;

/**
 * `TERMINATE` for a worker's own outcome (always fenced by its lease): returns
 * only the new version and time, as the worker holds every other field of the
 * task it reserved (`terminatedTask` in rows.ts). Returning the whole row (22
 * fields and `data`) and parsing it again was most of a no-op task's cost
 * after the reservation.
 */
export const TERMINATE_BRIEF = `UPDATE sokka_tasks
  SET status = 'terminated', result = w_v, ${NO_LEASE}, ready_at = NULL, ${TOUCH}
  ${TUPLES} AND ${OWNED}
  RETURNING task_id, record_ver, updated_at`;

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
 * A running task (its owner's failure) with attempts left goes back to
 * `starting` after its backoff; a task without `max_attempts` uses the
 * worker's (`w_max`), else 1: a failed outcome is final. An owner-less task
 * failed by hand ends `failed`.
 */
const RETRY = "(status = 'running' AND coalesce(max_attempts, w_max, 1) > failures + 1)";

/** Tuples `[task, pid, lease | null, error text, worker's maxAttempts | null, worker's backoff | null]`. */
export const FAIL = `UPDATE sokka_tasks
  SET status = CASE WHEN ${RETRY} THEN 'starting' ELSE 'failed' END, error = w_v, failures = failures + 1,
    ready_at = CASE WHEN ${RETRY} THEN ${NOW} + ${BACKOFF} END, ${NO_LEASE}, ${TOUCH}
  ${TUPLES} AND (${OWNED} OR ${UNOWNED})
  RETURNING ${COLUMNS}`;

/** Tuples `[task, pid, lease | null, snooze ms]`. Only a running task may snooze. */
export const SNOOZE = `UPDATE sokka_tasks
  SET status = 'snoozed', snooze_time = w_v, ${NO_LEASE}, ready_at = ${NOW} + w_v, ${TOUCH}
  ${TUPLES} AND ${OWNED}
  RETURNING ${COLUMNS}`;

/** Tuples `[task, recordVer]`. Running or snoozed → starting, reservable at once. */
export const REVOKE_LEASE = `UPDATE sokka_tasks
  SET status = 'starting', ${NO_LEASE}, ready_at = ${NOW}, ${TOUCH}
  FROM (SELECT value ->> 0 AS w_id, value ->> 1 AS w_rv FROM json_each(?1)) AS w
  WHERE task_id = w_id AND record_ver = w_rv AND +status IN ('running', 'snoozed')
  RETURNING ${COLUMNS}`;

/** Tasks per topic and status: one walk of each partial index, index-only. */
export const TOPIC_STATS =
  `SELECT topic, 'starting' AS status, count(*) AS n FROM sokka_tasks WHERE ${WAITING} GROUP BY topic
  UNION ALL SELECT topic, status, count(*) AS n FROM sokka_tasks WHERE ${PARKED} GROUP BY status, topic
  UNION ALL SELECT topic, status, count(*) AS n FROM sokka_tasks WHERE ready_at IS NULL GROUP BY topic, status`;

/** Filters of a listing that are present, in a fixed order. */
export interface FilterShape {
  topic: boolean;
  subTopic: boolean;
  /** Only one task group's tasks (see `IN_GROUP`). */
  group?: boolean;
  /** The status filter, as an index into `STATUSES` (-1: none): it picks the index and the order. */
  status: number;
  from: boolean;
  to: boolean;
}

/** A listing: its filters, the status group its cursor is in (-1: no cursor), and its direction. */
export interface ListShape extends FilterShape {
  after: number;
  /** Each status's own order reversed (`order: "desc"`, or walking back an ascending listing). */
  desc: boolean;
  /** The statuses from last to first: walking back to a previous page (whatever the order within each). */
  back: boolean;
}

/**
 * How each status is listed: the condition of its index and the columns it
 * is ordered by (its sort key, as `k1…k4`). A waiting task is keyed as the
 * reservation orders it, (topic, priority, ready_at, id); a running or
 * snoozed one by (topic, ready_at, id): when its lease or snooze runs out; a
 * resting one by (updated_at, task_id). Keeping live tasks out of any index
 * on `updated_at` is what lets a task's steps write no listing entry until it
 * rests (docs/performance.md).
 */
function orderOf(rank: number): { where: string; cols: string[] } {
  if (rank === 0) return { where: WAITING, cols: ["topic", "priority", "ready_at", "id"] };
  if (rank < LIVE_COUNT) {
    return { where: `status = '${STATUSES[rank]}' AND ${PARKED}`, cols: ["topic", "ready_at", "id"] };
  }
  return { where: `status = '${STATUSES[rank]}' AND ready_at IS NULL`, cols: ["updated_at", "task_id"] };
}

/**
 * One status's part of a listing or count: the filters present (numbered
 * parameters in `FilterShape` order, then the cursor's four keys), the status
 * as a literal (it selects the index), and the keyset condition when this is
 * the status the cursor is in; `listing` false: a count of the filters.
 */
function armOf(shape: ListShape | FilterShape, rank: number, listing: boolean): string {
  const { where: own, cols: all } = orderOf(rank);
  let n = 0;
  // in a group, `+status` and `+topic` keep the status and topic out of index choice: the group's rows come
  // by id (IN_GROUP), never from a walk of every task of the status or topic
  const where = [shape.group ? own.replace(/\bstatus\b/g, "+status") : own];
  if (shape.topic) where.push(`${shape.group ? "+" : ""}topic = ?${++n}`);
  if (shape.subTopic) where.push(`sub_topic = ?${++n}`);
  if (shape.group) where.push(IN_GROUP(++n));
  if (shape.from) where.push(`updated_at >= ?${++n}`);
  if (shape.to) where.push(`updated_at <= ?${++n}`);
  if (!listing) return `SELECT count(*) FROM sokka_tasks WHERE ${where.join(" AND ")}`;
  // A topic filtered on is constant: left out of the order and of the keyset condition.
  const skip = shape.topic && all[0] === "topic" ? 1 : 0;
  const cols = all.slice(skip);
  const ls = shape as ListShape;
  if (ls.after === rank) {
    const params = cols.map((_, i) => `?${n + 1 + skip + i}`);
    where.push(`(${cols.join(", ")}) ${ls.desc ? "<" : ">"} (${params.join(", ")})`);
  }
  const keys = [0, 1, 2, 3].map((i) => `${all[i] ?? "NULL"} AS k${i + 1}`).join(", ");
  const dir = ls.desc ? " DESC" : "";
  const order = cols.map((c) => c + dir).join(", ");
  if (shape.group) {
    // the group's share of this status is sorted as ids and keys only; the page's rows are read whole after
    return `SELECT ${rank} AS g, ${keys}, ${COLUMNS} FROM sokka_tasks WHERE id IN (
      SELECT id FROM sokka_tasks WHERE ${where.join(" AND ")} ORDER BY ${order} LIMIT ?${n + 5})
    ORDER BY ${order}`;
  }
  return `SELECT ${rank} AS g, ${keys}, ${COLUMNS} FROM sokka_tasks
    WHERE ${where.join(" AND ")}
    ORDER BY ${order} LIMIT ?${n + 5}`;
}

/** How many parameters the filters of `shape` take (the cursor's four keys follow them, then the limit). */
export function filterCount(shape: FilterShape): number {
  return +shape.topic + +shape.subTopic + +!!shape.group + +shape.from + +shape.to;
}

/**
 * The rows of task group `?n`, as in `SELECT_GROUP`: the task whose id is
 * the group's (by `task_id`), the others from the partial group index. A
 * listing of a group reads the group's rows this way and sorts each status's
 * share of them (no index orders a group by status; one that did would move
 * on every step of every grouped task): each status read costs a read of the
 * group, not of the table. Its statuses go in ONE statement (`listSql`),
 * read in turn and stopped by its LIMIT, so the statuses after a full page
 * are not read at all. Measured (20,000-task group, pages of 100): 6–10 ms a
 * page, the whole group through `tasks()` 80–225 ms; 3,000 tasks all
 * terminated (the last status, every earlier one read empty) 2.5–3 ms a page.
 */
const IN_GROUP = (n: number) =>
  `id IN (SELECT id FROM sokka_tasks WHERE task_id = ?${n} AND task_group_id IS NULL
    UNION ALL SELECT id FROM sokka_tasks WHERE task_group_id = ?${n})`;

/** The statuses a listing reads, in its order: the one filtered on, else all but those the cursor is past. */
function ranksOf(shape: ListShape): number[] {
  if (shape.status >= 0) return [shape.status];
  const all = STATUSES.map((_, i) => i);
  const left = shape.after < 0 ? all : all.filter((r) => (shape.back ? r <= shape.after : r >= shape.after));
  return shape.back ? left.reverse() : left;
}

const listCache = new Map<string, string[]>();

/**
 * The statements of a listing, one per status it reads, in listing order:
 * each is one ordered search of an index (a live index for a live status, a
 * resting index for the others), stopped by its LIMIT. Every one
 * takes the same arguments: the filters in `FilterShape` order, the cursor's
 * four keys (nulls without a cursor), then the limit. Statuses follow one
 * another, so the caller reads them in order until the page is full (in one
 * read transaction). A group's listing is one statement instead (see
 * `IN_GROUP`). Each shape is built once.
 */
export function listSql(shape: ListShape): string[] {
  const key = `L${+shape.topic}${+shape.subTopic}${+!!shape.group}${shape.status}${+shape.from}${+shape
    .to}${shape.after}${+shape.desc}${+shape.back}`;
  let sql = listCache.get(key);
  if (sql === undefined) {
    sql = ranksOf(shape).map((r) => armOf(shape, r, true));
    // a group's statuses in ONE statement, read in turn until the page is full: each status read costs a read
    // of the group, so those after a full page are never read (a batch would read them all)
    if (shape.group && sql.length > 1) {
      sql = [
        `${sql.map((arm) => `SELECT * FROM (${arm})`).join("\n  UNION ALL ")}\n  LIMIT ?${filterCount(shape) + 5}`,
      ];
    }
    listCache.set(key, sql);
  }
  return sql;
}

const countCache = new Map<string, string>();

/** How many tasks match the filters present (arguments: the filters, as for `listSql`): one count per status. */
export function countSql(shape: FilterShape): string {
  const key = `C${+shape.topic}${+shape.subTopic}${+!!shape.group}${shape.status}${+shape.from}${+shape.to}`;
  let sql = countCache.get(key);
  if (sql === undefined) {
    const ranks = shape.status >= 0 ? [shape.status] : STATUSES.map((_, i) => i);
    sql = `SELECT ${ranks.map((r) => `(${armOf(shape, r, false)})`).join(" + ")} AS n`;
    countCache.set(key, sql);
  }
  return sql;
}
