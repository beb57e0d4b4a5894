/**
 * The statements that read what happened per topic (`sokka_activity`, counted
 * by a trigger in schema.ts) and how long the oldest ready task has waited.
 * Each is a range or point search of a primary key or the live indexes.
 *
 * @module
 */

import { NOW, SOONEST_READY } from "./fragments.ts";

/** How long minutes are kept one by one; older ones are folded into each topic's totals (minute 0). */
export const ACTIVITY_KEEP_MS = 2 * 86_400_000;
const FOLD_BEFORE = `(${NOW} - ${ACTIVITY_KEEP_MS}) / 60000`;

/** The database clock alone. */
export const READ_CLOCK = `SELECT ${NOW} AS now`;

const SUMS = "sum(completed) AS completed, sum(failed) AS failed, sum(retried) AS retried, " +
  "sum(snoozed) AS snoozed, sum(cancelled) AS cancelled";

const SINCE = `(${NOW} - ?1) / 60000`;
/** ?1 ms back from the database clock: every topic's counts per minute since then, and the clock. */
export const ACTIVITY_SINCE = `SELECT topic, minute, completed, failed, retried, snoozed, cancelled, ${NOW} AS now
  FROM sokka_activity WHERE minute >= ${SINCE} ORDER BY topic, minute`;

/** ?1 ms back, ?2 topic: one topic's counts per minute since then (a range of the primary key), and the clock. */
export const TOPIC_ACTIVITY_SINCE = `SELECT topic, minute, completed, failed, retried, snoozed, cancelled, ${NOW} AS now
  FROM sokka_activity WHERE topic = ?2 AND minute >= ${SINCE} ORDER BY minute`;

/**
 * ?1 ms back, ?2 a JSON array of topics: their counts per minute since then
 * (a range of the primary key per topic), and the clock.
 */
export const TOPICS_ACTIVITY_SINCE =
  `SELECT topic, minute, completed, failed, retried, snoozed, cancelled, ${NOW} AS now
  FROM sokka_activity WHERE topic IN (SELECT value FROM json_each(?2)) AND minute >= ${SINCE} ORDER BY topic, minute`;

/** Every topic's counts since its first task: the counters of /metrics. */
export const ACTIVITY_TOTALS = `SELECT topic, ${SUMS} FROM sokka_activity GROUP BY topic`;

/**
 * ?1 topic: the earliest `ready_at` of its live tasks and the clock. When it
 * is not later than the clock, that task has been ready (waiting to be
 * reserved) for the difference. Index seeks only, as `NEXT_READY` in
 * reserve.ts; no table read.
 */
export const OLDEST_READY = `${SOONEST_READY}
  SELECT min(r) AS ready_at, ${NOW} AS now FROM soonest`;

/**
 * Folds the minutes older than ACTIVITY_KEEP_MS into each topic's minute 0 (so
 * the totals stay whole): the first of two statements of one transaction.
 */
export const FOLD_ACTIVITY = `INSERT INTO sokka_activity (topic, minute, completed, failed, retried, snoozed, cancelled)
  SELECT topic, 0, ${SUMS} FROM sokka_activity WHERE minute > 0 AND minute < ${FOLD_BEFORE} GROUP BY topic
  ON CONFLICT (topic, minute) DO UPDATE SET
    completed = completed + excluded.completed, failed = failed + excluded.failed,
    retried = retried + excluded.retried, snoozed = snoozed + excluded.snoozed,
    cancelled = cancelled + excluded.cancelled`;
/** Deletes the minutes `FOLD_ACTIVITY` folded. */
export const DROP_FOLDED = `DELETE FROM sokka_activity WHERE minute > 0 AND minute < ${FOLD_BEFORE}`;
