/**
 * Topic limits (`setTopicLimits`): their tables, the trigger that spends a
 * rate token at each reservation, and the pieces of the reservation and
 * waiting statements that read them. Each limit is enforced inside the
 * reservation statement itself — one serialized write — so no interleaving of
 * processes can exceed it:
 *
 * - concurrency: the topic's (or key's) running tasks whose lease holds are
 *   counted by the reservation (an index range of at most that many entries);
 * - rate: a GCRA ("generic cell rate algorithm") bucket, one number per topic
 *   or key (`rate_tat`, when the bucket is empty again); a reservation may
 *   take `burst + 1 - ceil((rate_tat - now) / T)` tasks, T = periodMs / limit,
 *   and each task it takes moves `rate_tat` on by T (the trigger);
 * - a back-off (`rateLimited()`): `held_until`, no reservation before.
 *
 * A topic without a row in either table pays three primary-key seeks per
 * reservation statement (not per task); once any topic of the database has
 * had a rate, each task reserved also runs the trigger's test of its lease
 * id (no lookup); once any topic has been partitioned, each status change
 * evaluates the keyed index's condition.
 *
 * @module
 */

import { NOW, PARKED, WAITING } from "./fragments.ts";
import { statusIn } from "./guards.ts";

/**
 * The tasks with a partition key that wait or run: ONE partial index holds them by (topic, key, status, …)
 * (`KEYED_INDEX`), so a status change of a task without a key evaluates one condition, its key first.
 */
const KEYED = `partition_key IS NOT NULL AND status IN ('starting', 'running')`;
/** Waiting tasks that carry a partition key: the partitioned reservation walks these by key. */
export const KEYED_WAITING = `${KEYED} AND ${WAITING}`;
/** Running tasks that carry a partition key: a key's running count. */
export const KEYED_RUNNING = `${KEYED} AND ${statusIn(["running"])}`;
/** Running tasks (the parked index's condition, word for word, then the one status). */
const RUNNING = `${PARKED} AND ${statusIn(["running"])}`;

/** The DDL, in migration 1 (src/libsql/schema.ts). */
export const LIMITS_SCHEMA: string[] = [
  // One row per limited topic: the limits as set (NULL: that limit is not set).
  `CREATE TABLE sokka_topic_limits (
    topic TEXT PRIMARY KEY,
    concurrency INTEGER,
    rate_limit INTEGER,
    rate_period_ms INTEGER,
    rate_burst INTEGER NOT NULL DEFAULT 0,
    partitioned INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID`,
  // Where each topic (part '') or key of a partitioned topic stands: its rate bucket and its back-off.
  `CREATE TABLE sokka_limit_state (
    topic TEXT NOT NULL,
    part TEXT NOT NULL,
    rate_tat REAL,
    held_until INTEGER,
    PRIMARY KEY (topic, part)
  ) WITHOUT ROWID`,
];

/**
 * The keyed tasks' index (tasks with a partition key that wait or run), by (topic, key, status, …): what a
 * partitioned topic's reservation, running counts and stats walk. Created by the first `setTopicLimits`
 * that partitions a topic, in its own transaction (one pass over the tasks table, under the write lock);
 * never dropped. Until then no status change of any task evaluates its condition: a database without
 * partitioned topics pays nothing for it.
 */
export const KEYED_INDEX =
  `CREATE INDEX IF NOT EXISTS sokka_tasks_keyed ON sokka_tasks (topic, partition_key, status, priority, ready_at) WHERE ${KEYED}`;

/**
 * Spends a rate token per task reserved. Only a reservation sets `attempts`,
 * so no other write runs it; a reservation of a topic with a rate gives its
 * task a lease id starting with "r" (statements/reserve-set.ts), any other
 * lease costs this one comparison. Created by the first `setTopicLimits`
 * that sets a rate, in its own transaction (a database that never had a rate
 * has no trigger at all, and its writes pay nothing for it); never dropped.
 * Its time is the reservation's (`NEW.updated_at`, which the reservation set
 * to `NOW`), not a clock read of its own: a trigger is schema, which a
 * `TestClock`'s offset never reaches.
 */
export const RATE_TRIGGER = `CREATE TRIGGER IF NOT EXISTS sokka_rate_taken AFTER UPDATE OF attempts ON sokka_tasks
    WHEN NEW.lease_id >= 'r' AND NEW.lease_id IS NOT OLD.lease_id
    BEGIN
      INSERT INTO sokka_limit_state (topic, part, rate_tat)
        SELECT NEW.topic, CASE WHEN l.partitioned THEN NEW.partition_key ELSE '' END,
          NEW.updated_at + l.rate_period_ms * 1.0 / l.rate_limit
        FROM sokka_topic_limits AS l
        WHERE l.topic = NEW.topic AND l.rate_limit IS NOT NULL AND (NOT l.partitioned OR NEW.partition_key IS NOT NULL)
      ON CONFLICT (topic, part) DO UPDATE SET rate_tat = max(coalesce(rate_tat, 0), NEW.updated_at)
        + (SELECT rate_period_ms * 1.0 / rate_limit FROM sokka_topic_limits WHERE topic = excluded.topic);
    END`;

/** `ceil(x)` for x ≥ 0 without the math functions (not every SQLite has them); a hair of slack for float sums. */
const ceil = (x: string) => `(CAST((${x}) - 1e-9 AS INTEGER) + ((${x}) - 1e-9 > CAST((${x}) - 1e-9 AS INTEGER)))`;

/** A rate bucket's emission interval, ms per task. */
const T = "(l.rate_period_ms * 1.0 / l.rate_limit)";

/** Running tasks with a live lease of topic ?1 (`key`: of that partition key only). */
export function runningCount(key?: string): string {
  return key === undefined
    ? `(SELECT count(*) FROM sokka_tasks WHERE ${RUNNING} AND topic = ?1 AND ready_at > ${NOW})`
    : `(SELECT count(*) FROM sokka_tasks WHERE ${KEYED_RUNNING} AND topic = ?1 AND partition_key = ${key} AND ready_at > ${NOW})`;
}

/**
 * How many tasks a reservation of at most `n` may take now, given limits
 * row `l` and state row `s` (each may be absent: all NULL), the running
 * count `running` (only evaluated when `l` caps concurrency).
 */
export function allowance(n: string, running: string): string {
  return `max(0, min(${n},
      CASE WHEN l.concurrency IS NULL THEN ${n} ELSE l.concurrency - ${running} END,
      CASE WHEN l.rate_limit IS NULL THEN ${n}
        ELSE l.rate_burst + 1 - ${ceil(`(max(coalesce(s.rate_tat, 0), ${NOW}) - ${NOW}) / ${T}`)} END,
      CASE WHEN s.held_until > ${NOW} THEN 0 ELSE ${n} END))`;
}

/**
 * The LIMIT of a reservation of at most `n` tasks of topic ?1 that is not
 * partitioned: its allowance; 0 for a partitioned topic (its tasks are
 * reserved by key: `statements/reserve-keyed.ts`; the store reads the flag
 * and takes that statement).
 */
export const topicAllowance = (n: string): string =>
  `(SELECT CASE WHEN l.partitioned THEN 0 ELSE ${allowance(n, runningCount())} END
    FROM (SELECT 1) LEFT JOIN sokka_topic_limits AS l ON l.topic = ?1
    LEFT JOIN sokka_limit_state AS s ON s.topic = ?1 AND s.part = '')`;

/**
 * How long (ms) until the limits of a topic or key let a task be reserved,
 * given `l`, `s`, the running count and the soonest lease end of its running
 * tasks (`leaseEnd`): the rate's next token and the back-off's end; at the
 * concurrency cap, a running task's ending (announced, or seen through
 * `data_version`) or else its lease's end. ≤ 0: now.
 */
export function limitWait(running: string, leaseEnd: string): string {
  return `max(
      CASE WHEN l.concurrency IS NOT NULL AND ${running} >= l.concurrency THEN ${leaseEnd} - ${NOW} ELSE 0 END,
      CASE WHEN l.rate_limit IS NULL THEN 0 ELSE coalesce(s.rate_tat, 0) - l.rate_burst * ${T} - ${NOW} END,
      coalesce(s.held_until - ${NOW}, 0))`;
}

/**
 * The soonest end of a lease that still holds among topic ?1's running tasks (`key`: of that key): what
 * the cap counts. A lease already expired is not counted, so it frees nothing more when reserved again.
 */
export function leaseEnd(key?: string): string {
  return key === undefined
    ? `(SELECT min(ready_at) FROM sokka_tasks WHERE ${RUNNING} AND topic = ?1 AND ready_at > ${NOW})`
    : `(SELECT min(ready_at) FROM sokka_tasks WHERE ${KEYED_RUNNING} AND topic = ?1 AND partition_key = ${key} AND ready_at > ${NOW})`;
}

/** ?1 a topic: whether its limits are partitioned (no row: not). */
export const IS_PARTITIONED = "SELECT partitioned FROM sokka_topic_limits WHERE topic = ?1";

/**
 * ?1 topic, ?2 concurrency, ?3 rate limit, ?4 period ms, ?5 burst, ?6 partitioned:
 * sets the topic's limits. A changed rate or partitioning starts its buckets
 * afresh; a back-off stays.
 */
export const SET_LIMITS = [
  `DELETE FROM sokka_limit_state WHERE topic = ?1 AND held_until IS NULL AND NOT EXISTS (
    SELECT 1 FROM sokka_topic_limits WHERE topic = ?1 AND rate_limit IS ?3 AND rate_period_ms IS ?4
      AND rate_burst = ?5 AND partitioned = ?6)`,
  `UPDATE sokka_limit_state SET rate_tat = NULL WHERE topic = ?1 AND NOT EXISTS (
    SELECT 1 FROM sokka_topic_limits WHERE topic = ?1 AND rate_limit IS ?3 AND rate_period_ms IS ?4
      AND rate_burst = ?5 AND partitioned = ?6)`,
  `INSERT INTO sokka_topic_limits (topic, concurrency, rate_limit, rate_period_ms, rate_burst, partitioned, updated_at)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ${NOW})
    ON CONFLICT (topic) DO UPDATE SET concurrency = excluded.concurrency, rate_limit = excluded.rate_limit,
      rate_period_ms = excluded.rate_period_ms, rate_burst = excluded.rate_burst,
      partitioned = excluded.partitioned, updated_at = excluded.updated_at`,
];

/** ?1 topic: removes its limits and their buckets (a back-off stays until it ends). */
export const CLEAR_LIMITS = [
  "DELETE FROM sokka_topic_limits WHERE topic = ?1",
  "DELETE FROM sokka_limit_state WHERE topic = ?1 AND held_until IS NULL",
  "UPDATE sokka_limit_state SET rate_tat = NULL WHERE topic = ?1",
];

/** ?1 topic: its limits row. */
export const READ_LIMITS =
  "SELECT concurrency, rate_limit, rate_period_ms, rate_burst, partitioned FROM sokka_topic_limits WHERE topic = ?1";

/** Every limits row (`topicStats`, the page of topics: few rows, one per limited topic). */
export const ALL_LIMITS =
  "SELECT topic, concurrency, rate_limit, rate_period_ms, rate_burst, partitioned FROM sokka_topic_limits";

/**
 * The back-off of `rateLimited()`: ?1 a JSON array of `[taskId, pid, leaseId, ms]`; for each task whose lease
 * still holds, its topic (or, partitioned, its key) is not reserved for `ms` (a longer back-off already set stays).
 * Sent in the same transaction as the task's snooze, before it.
 */
export const HOLD_TOPICS = `INSERT INTO sokka_limit_state (topic, part, held_until)
  SELECT t.topic, CASE WHEN l.partitioned THEN coalesce(t.partition_key, '') ELSE '' END, ${NOW} + (w.value ->> 3)
  FROM json_each(?1) AS w JOIN sokka_tasks AS t ON t.task_id = w.value ->> 0
  LEFT JOIN sokka_topic_limits AS l ON l.topic = t.topic
  WHERE t.status = 'running' AND t.pid = w.value ->> 1 AND (w.value ->> 2 IS NULL OR t.lease_id = w.value ->> 2)
  ON CONFLICT (topic, part) DO UPDATE SET held_until = max(coalesce(held_until, 0), excluded.held_until)`;
