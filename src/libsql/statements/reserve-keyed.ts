/**
 * Reservation in a topic whose limits are partitioned (`setTopicLimits(…,
 * { partitioned: true })`): each partition key is held to the limits on its
 * own. The statement walks the keys that have waiting tasks (one index seek
 * per key, whatever its backlog), gives each the allowance of its own
 * limits, takes at most that many of its first ready tasks (at most `n`
 * read per key), and reserves the first `n` of them all in the topic's
 * order (priority, ready time, age). A saturated key costs its seek and its
 * running count, never a walk of its backlog. Tasks without a key are not
 * reserved in a partitioned topic.
 *
 * @module
 */

import { COLUMNS, NOW, PARKED, PAUSED } from "./fragments.ts";
import { allowance, KEYED_WAITING, leaseEnd, limitWait, runningCount } from "./limits.ts";
import { RESERVE_SET } from "./reserve-set.ts";

/** Every key of topic ?1 with a waiting task (one seek each), and those of its due parked tasks. */
const KEYS = `k(v) AS (
      SELECT (SELECT min(partition_key) FROM sokka_tasks WHERE ${KEYED_WAITING} AND topic = ?1)
      UNION ALL
      SELECT (SELECT min(partition_key) FROM sokka_tasks WHERE ${KEYED_WAITING} AND topic = ?1 AND partition_key > k.v)
      FROM k WHERE k.v IS NOT NULL
    ), keys(v) AS (
      SELECT v FROM k WHERE v IS NOT NULL
      UNION
      SELECT partition_key FROM sokka_tasks WHERE ${PARKED} AND topic = ?1 AND ready_at <= ${NOW} AND partition_key IS NOT NULL
    )`;

/** Each key's allowance for a reservation of at most `n` (none when the topic is not partitioned). */
const ALLOWED = (n: string) =>
  `a(v, n) AS MATERIALIZED (
      SELECT keys.v, ${allowance(n, runningCount("keys.v"))}
      FROM keys JOIN sokka_topic_limits AS l ON l.topic = ?1 AND l.partitioned
      LEFT JOIN sokka_limit_state AS s ON s.topic = ?1 AND s.part = keys.v
    )`;

/** Up to `n` tasks of topic ?1 (`also`: a further condition on them), at most each key's allowance, in reservation order. */
const reservableKeyed = (n: string, also = "") =>
  `WITH RECURSIVE ${KEYS}, ${ALLOWED(n)},
    c(id, p, r, v) AS (
      SELECT t.id, t.priority, t.ready_at, a.v FROM a JOIN sokka_tasks AS t ON t.id IN (
        SELECT id FROM sokka_tasks WHERE ${KEYED_WAITING} AND topic = ?1 AND partition_key = a.v AND ready_at <= ${NOW}${also}
        ORDER BY priority, ready_at LIMIT ${n})
      WHERE a.n > 0
      UNION ALL
      SELECT id, priority, ready_at, partition_key FROM sokka_tasks
      WHERE ${PARKED} AND topic = ?1 AND ready_at <= ${NOW} AND partition_key IN (SELECT v FROM a WHERE n > 0)${also}
    )
    SELECT id FROM (
      SELECT c.id, c.p, c.r, a.n, row_number() OVER (PARTITION BY c.v ORDER BY c.p, c.r, c.id) AS rn
      FROM c JOIN a ON a.v = c.v
    ) WHERE rn <= n ORDER BY p, r, id LIMIT (CASE WHEN ${PAUSED} THEN 0 ELSE ${n} END)`;

/** `ReserveOneArgs`: `RESERVE_ONE` of a partitioned topic. */
export const RESERVE_ONE_KEYED = `UPDATE sokka_tasks SET ${RESERVE_SET}
  WHERE id IN (${reservableKeyed("1")})
  RETURNING ${COLUMNS}`;

/** `ReserveManyArgs`: `RESERVE_MANY` of a partitioned topic. */
export const RESERVE_MANY_KEYED = `UPDATE sokka_tasks SET ${RESERVE_SET}
  WHERE id IN (${reservableKeyed("?4")})
  RETURNING ${COLUMNS}`;

/** `ReserveExceptArgs`: `RESERVE_MANY_EXCEPT` of a partitioned topic. */
export const RESERVE_MANY_EXCEPT_KEYED = `UPDATE sokka_tasks SET ${RESERVE_SET}
  WHERE id IN (${reservableKeyed("?4", " AND task_id NOT IN (SELECT value FROM json_each(?5))")})
  RETURNING ${COLUMNS}`;

/**
 * Keys of topic ?1 an idle waiter looks at: those with waiting tasks, and those of its parked (running,
 * snoozed) tasks, a key maybe more than once (harmless to a minimum, and no sort).
 */
const WAIT_KEYS = `k(v) AS (
      SELECT (SELECT min(partition_key) FROM sokka_tasks WHERE ${KEYED_WAITING} AND topic = ?1)
      UNION ALL
      SELECT (SELECT min(partition_key) FROM sokka_tasks WHERE ${KEYED_WAITING} AND topic = ?1 AND partition_key > k.v)
      FROM k WHERE k.v IS NOT NULL
    ), keys(v) AS (
      SELECT v FROM k WHERE v IS NOT NULL
      UNION ALL
      SELECT partition_key FROM sokka_tasks WHERE ${PARKED} AND topic = ?1 AND partition_key IS NOT NULL
    )`;

/**
 * ms until a task of partitioned topic ?1 may be reservable: over its keys,
 * the soonest time one of a key's tasks is due and the key's limits let it go.
 */
export const KEYED_WAIT = `(WITH RECURSIVE ${WAIT_KEYS}
    SELECT min(max(kd.due, ${limitWait(runningCount("kd.v"), leaseEnd("kd.v"))}))
    FROM (SELECT keys.v AS v, min(
        coalesce((SELECT min(ready_at) FROM sokka_tasks WHERE ${KEYED_WAITING} AND topic = ?1 AND partition_key = keys.v), 1e18),
        coalesce((SELECT min(ready_at) FROM sokka_tasks WHERE ${PARKED} AND topic = ?1 AND partition_key = keys.v), 1e18)
      ) - ${NOW} AS due FROM keys) AS kd
    JOIN sokka_topic_limits AS l ON l.topic = ?1
    LEFT JOIN sokka_limit_state AS s ON s.topic = ?1 AND s.part = kd.v)`;
