/**
 * Reservation in a topic whose limits are partitioned (`setTopicLimits(…,
 * { partitioned: true })`): each partition key is held to the limits on its
 * own. The statement walks the keys that have waiting tasks (one index seek
 * per key, whatever its backlog), takes each allowed key's first ready task
 * (one more seek), and reserves them in the topic's order (priority, ready
 * time, age): at most one task per key per statement, so a saturated key
 * costs its seek and its running count, never a walk of its backlog.
 * `reserveTasks` repeats the statement while it finds tasks. Tasks without a
 * key are not reserved in a partitioned topic. Also the idle waiter's look
 * at such a topic (`KEYED_WAIT`).
 *
 * @module
 */

import { COLUMNS, NOW, PARKED, PAUSED } from "./fragments.ts";
import { allowance, KEYED_WAITING, leaseEnd, limitWait, runningCount } from "./limits.ts";
import { RESERVE_SET } from "./reserve-set.ts";

/** Every key of topic ?1 with a waiting task: one seek each, in key order. */
const KEYS = `k(v) AS (
      SELECT (SELECT min(partition_key) FROM sokka_tasks WHERE ${KEYED_WAITING} AND topic = ?1)
      UNION ALL
      SELECT (SELECT min(partition_key) FROM sokka_tasks WHERE ${KEYED_WAITING} AND topic = ?1 AND partition_key > k.v)
      FROM k WHERE k.v IS NOT NULL
    )`;

/** A key's limits row `l` and state row `s` (`key` the SQL of the key), for `allowance`. */
const LIMITS_OF = (key: string) =>
  `sokka_topic_limits AS l ON l.topic = ?1 AND l.partitioned
      LEFT JOIN sokka_limit_state AS s ON s.topic = ?1 AND s.part = ${key}`;

/**
 * Up to `n` tasks of partitioned topic ?1 (`also`: a further condition on
 * them) in reservation order, at most ONE per key and only from a key whose
 * limits allow one now: each key's first ready task (one seek; a saturated
 * key's backlog is never read), and the due parked ones (an expired lease,
 * a snooze that ended: few) with their key's allowance. A key with both
 * gives one. A reservation of many tasks therefore takes one per key per
 * statement; the caller reserves again for more (see reservations.ts).
 * No UNION (a sort) and no LIMIT above 1 in a subquery over a key: both
 * measured far slower inside this statement.
 */
const reservableKeyed = (n: string, also = "", one = false) =>
  `WITH RECURSIVE ${KEYS},
    c(id, p, r, v, n) AS (
      SELECT t.id, t.priority, t.ready_at, k.v, ${allowance("1", runningCount("k.v"))}
      FROM k JOIN ${LIMITS_OF("k.v")}
      JOIN sokka_tasks AS t ON t.id = (
        SELECT id FROM sokka_tasks WHERE ${KEYED_WAITING} AND topic = ?1 AND partition_key = k.v AND ready_at <= ${NOW}${also}
        ORDER BY priority, ready_at LIMIT 1)
      WHERE k.v IS NOT NULL
      UNION ALL
      SELECT t.id, t.priority, t.ready_at, t.partition_key, ${allowance("1", runningCount("t.partition_key"))}
      FROM sokka_tasks AS t JOIN ${LIMITS_OF("t.partition_key")}
      WHERE ${PARKED} AND t.topic = ?1 AND t.ready_at <= ${NOW} AND t.partition_key IS NOT NULL${also}
    )
    ${
    // one task: any allowed candidate will do; many: one per key (a key's waiting and parked ones count once)
    one ? `SELECT id FROM c WHERE n > 0` : `SELECT id FROM (
      SELECT id, p, r, row_number() OVER (PARTITION BY v ORDER BY p, r, id) AS rn FROM c WHERE n > 0
    ) WHERE rn = 1`} ORDER BY p, r, id LIMIT (CASE WHEN ${PAUSED} THEN 0 ELSE ${n} END)`;

/** `ReserveOneArgs`: `RESERVE_ONE` of a partitioned topic. */
export const RESERVE_ONE_KEYED = `UPDATE sokka_tasks SET ${RESERVE_SET}
  WHERE id = (${reservableKeyed("1", "", true)})
  RETURNING ${COLUMNS}`;

/** `ReserveManyArgs`: `RESERVE_MANY` of a partitioned topic (at most one task per key). */
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
