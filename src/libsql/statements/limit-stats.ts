/**
 * What a topic's limits do right now (`topicStats`, the page of topics):
 * its limits, its running tasks whose lease holds, and how many of its due
 * tasks the limits (or a `rateLimited()` back-off) keep from reservation.
 *
 * @module
 */

import { NOW, PARKED, WAITING } from "./fragments.ts";
import { allowance, KEYED_WAITING, runningCount } from "./limits.ts";

/** An allowance no count reaches: "whatever is due". */
const ALL = "1000000000";

/** Due tasks of topic ?1 (`key`: of that key): reservable now but for limits and pauses. */
const due = (key?: string) => {
  const k = key === undefined ? "" : ` AND partition_key = ${key}`;
  const waiting = key === undefined ? WAITING : KEYED_WAITING;
  return `((SELECT count(*) FROM sokka_tasks WHERE ${waiting} AND topic = ?1${k} AND ready_at <= ${NOW})
    + (SELECT count(*) FROM sokka_tasks WHERE ${PARKED} AND topic = ?1${k} AND ready_at <= ${NOW}))`;
};

/** Keys of topic ?1 with a waiting task (one seek each) or a due parked one. */
const KEYS = `WITH RECURSIVE k(v) AS (
      SELECT (SELECT min(partition_key) FROM sokka_tasks WHERE ${KEYED_WAITING} AND topic = ?1)
      UNION ALL
      SELECT (SELECT min(partition_key) FROM sokka_tasks WHERE ${KEYED_WAITING} AND topic = ?1 AND partition_key > k.v)
      FROM k WHERE k.v IS NOT NULL
    ), keys(v) AS (
      SELECT v FROM k WHERE v IS NOT NULL
      UNION
      SELECT partition_key FROM sokka_tasks WHERE ${PARKED} AND topic = ?1 AND ready_at <= ${NOW} AND partition_key IS NOT NULL
    )`;

/** A partitioned topic's due tasks its keys' limits let go now (each key: the less of its due and its allowance). */
const KEYED_ALLOWED = `(${KEYS}
    SELECT coalesce(sum(min(${due("keys.v")}, ${allowance(ALL, runningCount("keys.v"))})), 0)
    FROM keys JOIN sokka_topic_limits AS l ON l.topic = ?1
    LEFT JOIN sokka_limit_state AS s ON s.topic = ?1 AND s.part = keys.v)`;

/**
 * ?1 a topic: one row when it has limits or a back-off under way (none
 * otherwise): its limits (NULL: none), `running` (leases that hold) and
 * `held_back` (due tasks its limits keep back now; in a partitioned topic
 * a task without a key always is).
 */
export const LIMIT_STATS = `SELECT l.concurrency, l.rate_limit, l.rate_period_ms, l.rate_burst, l.partitioned,
    ${runningCount()} AS running,
    CASE WHEN l.partitioned THEN ${due()} - ${KEYED_ALLOWED}
      ELSE max(0, ${due()} - ${allowance(ALL, runningCount())}) END AS held_back
  FROM (SELECT 1) LEFT JOIN sokka_topic_limits AS l ON l.topic = ?1
  LEFT JOIN sokka_limit_state AS s ON s.topic = ?1 AND s.part = ''
  WHERE l.topic IS NOT NULL OR EXISTS (SELECT 1 FROM sokka_limit_state WHERE topic = ?1 AND held_until > ${NOW})`;

/** The topics that have limits or a back-off under way. */
export const LIMITED_TOPICS = `SELECT topic FROM sokka_topic_limits
  UNION SELECT topic FROM sokka_limit_state WHERE held_until > ${NOW}`;
