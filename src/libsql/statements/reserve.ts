/**
 * Reservation: the statements that take a topic's due tasks (`RESERVE_ONE`,
 * `RESERVE_MANY`, `RESERVE_MANY_EXCEPT`) and how long until the next is due
 * (`NEXT_READY`), with the arguments each takes.
 *
 * @module
 */

import { COLUMNS, NOW, PARKED, PAUSED, SOONEST_READY, WAITING } from "./fragments.ts";
import { leaseEnd, limitWait, runningCount, topicAllowance } from "./limits.ts";
import { KEYED_WAIT } from "./reserve-keyed.ts";
import { RESERVE_SET } from "./reserve-set.ts";

/**
 * Up to `limit` reservable tasks of topic ?1: lowest priority first, then
 * oldest-ready, then oldest. Waiting ones come in that order from their
 * index; parked ones that are due are searched by time and sorted (only the
 * due ones: usually none or a few); SQLite merges the two (no sort of the
 * waiting), and LIMIT stops the walk. A paused topic gets a LIMIT of 0, a
 * limited one what its limits allow (statements/limits.ts): the checks sit
 * in the LIMIT, not in a WHERE around the merge, which SQLite ≥ 3.46
 * evaluates far slower inside an UPDATE (see docs/performance.md).
 */
const reservable = (limit: string, also = "") =>
  `SELECT id FROM (
    SELECT id, priority AS p, ready_at AS r FROM sokka_tasks WHERE ${WAITING} AND topic = ?1 AND ready_at <= ${NOW}${also}
    UNION ALL
    SELECT id, priority AS p, ready_at AS r FROM sokka_tasks WHERE ${PARKED} AND topic = ?1 AND ready_at <= ${NOW}${also}
    ORDER BY p, r, id
  ) LIMIT (CASE WHEN ${PAUSED} THEN 0 ELSE ${topicAllowance(limit)} END)`;

/** `reserveOneArgs`. */
export const RESERVE_ONE = `UPDATE sokka_tasks SET ${RESERVE_SET}
  WHERE id = (${reservable("1")})
  RETURNING ${COLUMNS}`;

export type ReserveOneArgs = [topic: string, pid: string, leaseMs: number];

/** `reserveManyArgs`. Each row gets its own lease id. */
export const RESERVE_MANY = `UPDATE sokka_tasks SET ${RESERVE_SET}
  WHERE id IN (${reservable("?4")})
  RETURNING ${COLUMNS}`;

export type ReserveManyArgs = [topic: string, pid: string, leaseMs: number, n: number];

/**
 * `RESERVE_MANY` passing over the tasks whose ids are in the JSON array ?5
 * (a drain's tasks too long for its budget: it handed them back once and must
 * not take them again). A statement of its own, so that the worker's stays as
 * it is.
 */
export const RESERVE_MANY_EXCEPT = `UPDATE sokka_tasks SET ${RESERVE_SET}
  WHERE id IN (${reservable("?4", " AND task_id NOT IN (SELECT value FROM json_each(?5))")})
  RETURNING ${COLUMNS}`;

export type ReserveExceptArgs = [...ReserveManyArgs, exceptJson: string];

/** The wait of a topic, from `d.due` (its soonest task), `l` (its limits) and `s` (its limit state). */
const nextReady = (wait: string) =>
  `${SOONEST_READY}
  SELECT ${wait} AS wait, l.topic IS NOT NULL AS limited, coalesce(l.partitioned, 0) AS partitioned
  FROM (SELECT min(r) - ${NOW} AS due FROM soonest) AS d
  LEFT JOIN sokka_topic_limits AS l ON l.topic = ?1
  LEFT JOIN sokka_limit_state AS s ON s.topic = ?1 AND s.part = ''
  WHERE NOT ${PAUSED}`;

/**
 * How many ms until the next task of topic ?1 is reservable (≤ 0: one is now;
 * NULL: none is live, or the topic is paused; no row when paused), the
 * limits' waits included (a saturated topic waits for a running task's end
 * or lease end, a rate for its next token, a back-off for its end), and
 * whether the topic has limits (`limited`: a task's end is announced then)
 * and whether they are partitioned (`partitioned`: the store reserves it with
 * its own statement, reserve-keyed.ts). See `SOONEST_READY`; no write lock.
 * A partitioned topic's `wait` here is not its own: read `NEXT_READY_KEYED`
 * then. (One statement with a CASE costs every topic the keyed subquery where
 * SQLite evaluates it eagerly: Bun's 3.54.1, 160 µs a look instead of 70.)
 */
export const NEXT_READY = nextReady(`max(d.due, ${limitWait(runningCount(), leaseEnd())})`);

/** `topic = ?1` of a one-topic statement made `topic = w.topic`: the same look for each row `w` of a list of topics. */
const perTopic = (sql: string) => sql.replaceAll("?1", "w.topic");

/**
 * `NEXT_READY` for every topic of the JSON array ?1 at once: a row
 * (`topic`, `wait`, `limited`, `partitioned`) per topic that is not paused.
 * What a process's idle waiters on several topics read after another
 * process committed: one statement where each topic's would cost a
 * statement's overhead, which some SQLite builds make most of a look (Bun's
 * 3.54.1: 50 looks ~6.5 ms apart, ~0.15 ms together). A partitioned topic's
 * `wait` is not its own here either.
 */
export const NEXT_READY_MANY = `SELECT w.topic AS topic,
  max((${perTopic(SOONEST_READY)} SELECT min(r) - ${NOW} FROM soonest), ${
  perTopic(limitWait(runningCount(), leaseEnd()))
}) AS wait,
  l.topic IS NOT NULL AS limited, coalesce(l.partitioned, 0) AS partitioned
  FROM (SELECT DISTINCT value AS topic FROM json_each(?1)) AS w
  LEFT JOIN sokka_topic_limits AS l ON l.topic = w.topic
  LEFT JOIN sokka_limit_state AS s ON s.topic = w.topic AND s.part = ''
  WHERE NOT ${perTopic(PAUSED)}`;

/** `NEXT_READY` for any topic, a partitioned one too (`KEYED_WAIT`: the wait of its soonest key). */
export const NEXT_READY_KEYED = nextReady(
  `CASE WHEN l.partitioned THEN ${KEYED_WAIT} ELSE max(d.due, ${limitWait(runningCount(), leaseEnd())}) END`,
);
