/**
 * Creating tasks that carry a unique key or dependencies (one node of a
 * flow each; `createTask`, `createTasks`, `sealGroup`): a node is ONE JSON
 * argument (`NodeJson`) plus its data, and up to three statements of one
 * write transaction — its insert, its dependency edges, and the mark on
 * each dependency that it has dependants. Tasks with neither go through the
 * leaner inserts of insert.ts and pay nothing of this.
 *
 * @module
 */

import { STATUSES, statusRule } from "../../transitions.ts";
import { COLUMNS, NOW } from "./fragments.ts";
import { COVERED, policyOf, WINDOW_SEP } from "./unique.ts";

/** A node as its statements read it (`?1`; its data JSON is `?2`). */
export interface NodeJson {
  id: string;
  /** null: its own group */
  group: string | null;
  desc: string | null;
  topic: string;
  sub: string;
  timeout: number | null;
  prio: number | null;
  max: number | null;
  backoff: string | null;
  delay: number | null;
  runAt: number | null;
  key: string | null;
  policy: "active" | "queued" | "period" | "debounce" | null;
  ms: number | null;
  maxMs: number | null;
  /** 1: a held key rejects the create (the statement aborts) */
  dupError: 0 | 1;
  /** the dependencies' ids (absent: none) */
  deps?: string[];
  onFail: "fail" | "run" | "cancel" | null;
  /** its `partitionKey` */
  pkey: string | null;
}

/** The id part of a "<id>␟<status>" (a task id holds no control character). */
const idOf = (v: string) => `substr(${v}, 1, instr(${v}, char(31)) - 1)`;

const FINAL = STATUSES.filter((s) => statusRule(s).final).map((s) => `'${s}'`).join(", ");
const DEPS = "SELECT value FROM json_each(?1, '$.deps')";
/** A dependency that ended failed or cancelled, as "<id>␟<status>" (the first by id), or NULL. */
const BAD = `(SELECT task_id || char(31) || status FROM sokka_tasks WHERE task_id IN (${DEPS})
    AND (status = 'failed' OR status = 'cancelled') ORDER BY task_id LIMIT 1)`;
/**
 * The status a node is created in: `starting` without dependencies;
 * NULL (the NOT NULL constraint aborts the transaction) when one is
 * missing; ended as its policy says when one already failed; `blocked` while
 * one has not ended; else `starting`.
 */
const STATUS = `CASE WHEN total IS NULL THEN 'starting'
      WHEN found <> total THEN NULL
      WHEN bad IS NOT NULL AND n ->> 'onFail' <> 'run' THEN CASE n ->> 'onFail' WHEN 'cancel' THEN 'cancelled' ELSE 'failed' END
      WHEN waiting > 0 THEN 'blocked'
      ELSE 'starting' END`;

/** Whether a duplicate create met a debounce holder: it replaces the holder's data and moves its run time. */
const DEBOUNCE = `(${policyOf()} = 'debounce' AND ${policyOf("excluded.")} = 'debounce')`;

/**
 * ?1 the node (`NodeJson`), ?2 its data JSON. Inserts it, or, when its key
 * is held, answers with the holder (ON CONFLICT on the unique index: the
 * database decides, whatever runs at once); a debounce holder takes the new
 * data and run time. Aborts (NOT NULL) on a missing dependency, on a held
 * key with `dupError`, and on an id that exists already. `inserted` tells a
 * new row from the holder.
 */
export const INSERT_NODE = `INSERT INTO sokka_tasks (task_id, task_group_id, task_description, topic, sub_topic, status,
    record_ver, timeout_ms, data, created_at, updated_at, attempts, ready_at, priority, max_attempts, backoff,
    unique_hold, unique_def, deps, deps_left, blocker, error, partition_key)
  SELECT n ->> 'id', n ->> 'group', n ->> 'desc', n ->> 'topic', n ->> 'sub', status,
    1, n ->> 'timeout', ?2, now, now, 0,
    CASE WHEN status = 'starting' THEN coalesce(n ->> 'runAt', now + coalesce(n ->> 'delay', 0)) END,
    coalesce(n ->> 'prio', 0), n ->> 'max', n ->> 'backoff',
    CASE WHEN n ->> 'policy' = 'period'
      THEN (n ->> 'key') || ${WINDOW_SEP} || printf('%016d', now / (n ->> 'ms') * (n ->> 'ms'))
      ELSE n ->> 'key' END,
    CASE WHEN n ->> 'key' IS NOT NULL
      THEN json_object('key', n ->> 'key', 'policy', n ->> 'policy', 'ms', n ->> 'ms', 'maxMs', n ->> 'maxMs') END,
    CASE WHEN total IS NOT NULL THEN json_object('on', n -> 'deps', 'policy', n ->> 'onFail') END,
    CASE WHEN total IS NOT NULL THEN waiting END,
    CASE WHEN status = 'failed' OR status = 'cancelled' THEN ${idOf("bad")} END,
    CASE WHEN status = 'failed' OR status = 'cancelled' THEN 'dependency ' || replace(bad, char(31), ' ended ') END,
    n ->> 'pkey'
  FROM (SELECT n, now, total, found, waiting, bad, ${STATUS} AS status
    FROM (SELECT ?1 AS n, ${NOW} AS now, json_array_length(?1, '$.deps') AS total,
      (SELECT count(*) FROM sokka_tasks WHERE task_id IN (${DEPS})) AS found,
      (SELECT count(*) FROM sokka_tasks WHERE task_id IN (${DEPS}) AND status NOT IN (${FINAL})) AS waiting,
      ${BAD} AS bad))
  WHERE true
  ON CONFLICT (topic, unique_hold) WHERE ${COVERED} DO UPDATE SET
    data = CASE WHEN ?1 ->> 'dupError' OR EXISTS (SELECT 1 FROM sokka_tasks x WHERE x.task_id = excluded.task_id)
      THEN NULL WHEN ${DEBOUNCE} THEN excluded.data ELSE data END,
    ready_at = CASE WHEN ${DEBOUNCE}
      THEN min(max(ready_at, excluded.ready_at),
        coalesce(created_at + json_extract(unique_def, '$.maxMs'), max(ready_at, excluded.ready_at)))
      ELSE ready_at END,
    record_ver = record_ver + ${DEBOUNCE},
    updated_at = CASE WHEN ${DEBOUNCE} THEN excluded.updated_at ELSE updated_at END
  RETURNING ${COLUMNS}, task_id = ?1 ->> 'id' AS inserted`;

/** The node was inserted by this transaction (a deduplicated one's id does not exist: see `INSERT_NODE`). */
const INSERTED = "EXISTS (SELECT 1 FROM sokka_tasks WHERE task_id = ?1 ->> 'id')";

/** ?1 the node: its dependency edges, if it was inserted. */
export const INSERT_EDGES = `INSERT INTO sokka_deps (dependant, dependency)
  SELECT ?1 ->> 'id', value FROM json_each(?1, '$.deps') WHERE ${INSERTED}`;

/** ?1 the node: marks its dependencies as having dependants (the dependants trigger's guard), if it was inserted. */
export const MARK_DEPENDENCIES = `UPDATE sokka_tasks SET dependants = 1
  WHERE task_id IN (${DEPS}) AND dependants IS NULL AND ${INSERTED}`;

/** The tasks of group ?2: the one whose id is the group's, and those of the group index. */
const IN_GROUP = "(task_group_id = ?2 OR (task_id = ?2 AND task_group_id IS NULL))";
/** This seal (?1 its follow-up node, ?2 the group) is the group's one. */
const WON = "(SELECT follow_up FROM sokka_groups WHERE task_group_id = ?2) = ?1 ->> 'id'";

/**
 * Sealing group ?2 with the follow-up ?1 (a node without key or
 * dependencies; ?3 its data JSON), in order: claim the seal (a group that
 * has tasks, once), insert the follow-up `blocked`, an edge to every task of
 * the group, mark them, then count what it waits for and start (or end) it
 * as a dependant is; last, read the group's follow-up (`inserted`: this
 * seal's). Each step after the claim only if this seal won it.
 */
export const SEAL = [
  `INSERT INTO sokka_groups (task_group_id, follow_up, sealed_at)
    SELECT ?2, ?1 ->> 'id', ${NOW} WHERE EXISTS (SELECT 1 FROM sokka_tasks WHERE ${IN_GROUP})
    ON CONFLICT (task_group_id) DO NOTHING`,
  `INSERT INTO sokka_tasks (task_id, task_group_id, task_description, topic, sub_topic, status,
      record_ver, timeout_ms, data, created_at, updated_at, attempts, ready_at, priority, max_attempts, backoff,
      deps_left, deps)
    SELECT ?1 ->> 'id', ?1 ->> 'group', ?1 ->> 'desc', ?1 ->> 'topic', ?1 ->> 'sub', 'blocked',
      1, ?1 ->> 'timeout', ?3, now, now, 0, NULL, coalesce(?1 ->> 'prio', 0), ?1 ->> 'max', ?1 ->> 'backoff',
      0, json_object('policy', ?1 ->> 'onFail', 'group', ?2)
    FROM (SELECT ${NOW} AS now) WHERE ${WON}`,
  `INSERT INTO sokka_deps (dependant, dependency)
    SELECT ?1 ->> 'id', task_id FROM sokka_tasks WHERE ${IN_GROUP} AND task_id <> ?1 ->> 'id' AND ${WON}`,
  `UPDATE sokka_tasks SET dependants = 1 WHERE dependants IS NULL
    AND task_id IN (SELECT dependency FROM sokka_deps WHERE dependant = ?1 ->> 'id') AND ${WON}`,
  `UPDATE sokka_tasks SET deps_left = (SELECT count(*) FROM sokka_deps d JOIN sokka_tasks t ON t.task_id = d.dependency
      WHERE d.dependant = ?1 ->> 'id' AND t.status NOT IN (${FINAL}))
    WHERE task_id = ?1 ->> 'id' AND record_ver = 1 AND ${WON}`,
  `UPDATE sokka_tasks SET status = CASE WHEN bad IS NOT NULL AND json_extract(deps, '$.policy') <> 'run'
        THEN CASE json_extract(deps, '$.policy') WHEN 'cancel' THEN 'cancelled' ELSE 'failed' END ELSE 'starting' END,
      blocker = CASE WHEN json_extract(deps, '$.policy') <> 'run' THEN ${idOf("bad")} END,
      error = CASE WHEN bad IS NOT NULL AND json_extract(deps, '$.policy') <> 'run' THEN 'dependency ' || replace(bad, char(31), ' ended ') END,
      ready_at = CASE WHEN bad IS NULL OR json_extract(deps, '$.policy') = 'run' THEN ${NOW} END,
      record_ver = record_ver + 1, updated_at = ${NOW}
    FROM (SELECT (SELECT t.task_id || char(31) || t.status FROM sokka_deps d JOIN sokka_tasks t ON t.task_id = d.dependency
      WHERE d.dependant = ?1 ->> 'id' AND (t.status = 'failed' OR t.status = 'cancelled') ORDER BY t.task_id LIMIT 1) AS bad)
    WHERE task_id = ?1 ->> 'id' AND record_ver = 1 AND ${WON}
      AND (deps_left = 0 OR (bad IS NOT NULL AND json_extract(deps, '$.policy') <> 'run'))`,
  `SELECT ${COLUMNS}, task_id = ?1 ->> 'id' AS inserted FROM sokka_tasks
    WHERE task_id = (SELECT follow_up FROM sokka_groups WHERE task_group_id = ?2)`,
];

/** ?1 group: the id of its follow-up, if sealed. */
export const GROUP_FOLLOW_UP = `SELECT ${COLUMNS} FROM sokka_tasks
  WHERE task_id = (SELECT follow_up FROM sokka_groups WHERE task_group_id = ?1)`;

/** ?1 JSON array of ids: those that do not exist (a create's missing dependencies). */
export const MISSING_IDS = "SELECT value AS id FROM json_each(?1) WHERE value NOT IN (SELECT task_id FROM sokka_tasks)";
