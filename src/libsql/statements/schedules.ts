/**
 * The statements of schedules (`sokka_schedules`): reading them, writing a
 * definition by compare-and-set on `version`, and firing a schedule's slots
 * (`FIRE_INSERT` then `FIRE_ADVANCE`, in one write transaction, both guarded
 * by the version the firer read: either both apply or neither).
 *
 * @module
 */

import { statusIn } from "./guards.ts";
import { NOW } from "./fragments.ts";
import { STATUS_RULES, STATUSES } from "../../transitions.ts";

/** The columns a schedule is read with (rows.ts order in `scheduleOf`). */
export const SCHEDULE_COLUMNS =
  "name, cron, timezone, topic, sub_topic, task_description, data, priority, max_attempts, backoff, timeout_ms, overlap, backfill_ms, paused, next_slot_at, last_slot_at, last_fired_at, last_task_id, skipped_slots, version, generation, created_at, updated_at";

/** ?1 a name: the database clock, and the schedule's columns (NULLs when there is none). */
export const SCHEDULE_AND_NOW = `SELECT ${NOW} AS now, ${
  SCHEDULE_COLUMNS.split(", ").map((c) => `s.${c}`).join(", ")
} FROM (SELECT 1) LEFT JOIN sokka_schedules s ON s.name = ?1`;

/** ?1 a name: the schedule. */
export const SELECT_SCHEDULE = `SELECT ${SCHEDULE_COLUMNS} FROM sokka_schedules WHERE name = ?1`;

/** Every schedule by name (?1 NULL), or those of topic ?1. */
export const LIST_SCHEDULES = `SELECT ${SCHEDULE_COLUMNS} FROM sokka_schedules
  WHERE ?1 IS NULL OR topic = ?1 ORDER BY name`;

/** The definition's columns, ?2…?14 after the name ?1 (`defArgs` in schedules.ts). */
const DEF_COLUMNS = [
  "cron",
  "timezone",
  "topic",
  "sub_topic",
  "task_description",
  "data",
  "priority",
  "max_attempts",
  "backoff",
  "timeout_ms",
  "overlap",
  "backfill_ms",
  "paused",
];

/** A new schedule ?1 with its definition and ?15 its next slot; nothing when the name exists (another writer won). */
export const INSERT_SCHEDULE = `INSERT INTO sokka_schedules (name, ${DEF_COLUMNS.join(", ")},
    next_slot_at, version, generation, created_at, updated_at)
  SELECT ?1, ${
  DEF_COLUMNS.map((_, i) => `?${i + 2}`).join(", ")
}, ?15, 1, abs(random() % 9007199254740991), now, now FROM (SELECT ${NOW} AS now) WHERE true
  ON CONFLICT (name) DO NOTHING
  RETURNING ${SCHEDULE_COLUMNS}`;

/** Schedule ?1 replaced by its new definition and ?15 its next slot, only at version ?16 of generation ?17 (compare-and-set). */
export const REPLACE_SCHEDULE = `UPDATE sokka_schedules SET ${
  DEF_COLUMNS.map((c, i) => `${c} = ?${i + 2}`).join(", ")
}, next_slot_at = ?15, version = version + 1, updated_at = ${NOW}
  WHERE name = ?1 AND version = ?16 AND generation = ?17
  RETURNING ${SCHEDULE_COLUMNS}`;

/** Pauses schedule ?1. */
export const PAUSE_SCHEDULE = `UPDATE sokka_schedules SET paused = 1, version = version + 1, updated_at = ${NOW}
  WHERE name = ?1 RETURNING ${SCHEDULE_COLUMNS}`;

/** Resumes schedule ?1 at version ?2 of generation ?4 (compare-and-set), firing from slot ?3. */
export const RESUME_SCHEDULE = `UPDATE sokka_schedules SET paused = 0, next_slot_at = ?3, version = version + 1,
    updated_at = ${NOW}
  WHERE name = ?1 AND version = ?2 AND generation = ?4 RETURNING ${SCHEDULE_COLUMNS}`;

/** Deletes schedule ?1 (its tasks stay). */
export const DELETE_SCHEDULE = "DELETE FROM sokka_schedules WHERE name = ?1";

/** Active schedules of the topics in JSON array ?1 (NULL: every topic). */
const ACTIVE = "paused = 0 AND (?1 IS NULL OR topic IN (SELECT value FROM json_each(?1)))";

/** The database clock and the soonest next slot of the active schedules of ?1 (see `ACTIVE`). */
export const SOONEST_SLOT =
  `SELECT ${NOW} AS now, (SELECT min(next_slot_at) FROM sokka_schedules WHERE ${ACTIVE}) AS soonest`;

/** The active schedules of ?1 (see `ACTIVE`) with a slot due at ?2, soonest first, ?3 at most. */
export const DUE_SCHEDULES =
  `SELECT name, cron, timezone, topic, overlap, backfill_ms, next_slot_at, version, generation
  FROM sokka_schedules WHERE ${ACTIVE} AND next_slot_at <= ?2 ORDER BY next_slot_at LIMIT ?3`;

/** The statuses in which a task has finished (an `overlap: "skip"` schedule's next slot may fire). */
const FINISHED = statusIn(STATUSES.filter((s) => STATUS_RULES[s].final));

/**
 * The tasks of schedule ?1's slots (JSON array ?2 of `[taskId, slotAt]`), only
 * while it is active and at version ?3 of generation ?4, and, when it skips overlaps, only if
 * its latest task has finished. Each task is the schedule's as it stands,
 * reservable from its slot. An existing id makes no task (never overwritten).
 */
export const FIRE_INSERT = `INSERT INTO sokka_tasks (task_id, task_group_id, task_description, topic, sub_topic, status,
    record_ver, timeout_ms, data, created_at, updated_at, attempts, ready_at, priority, max_attempts, backoff,
    schedule_name, slot_at)
  SELECT j.value ->> 0, NULL, s.task_description, s.topic, s.sub_topic, 'starting', 1, s.timeout_ms, s.data, now, now,
    0, j.value ->> 1, s.priority, s.max_attempts, s.backoff, s.name, j.value ->> 1
  FROM sokka_schedules s, json_each(?2) j, (SELECT ${NOW} AS now)
  WHERE s.name = ?1 AND s.version = ?3 AND s.generation = ?4 AND s.paused = 0 AND (s.overlap = 'allow' OR coalesce(
    (SELECT ${FINISHED} FROM sokka_tasks t WHERE t.schedule_name = s.name ORDER BY t.slot_at DESC LIMIT 1), 1))
  ON CONFLICT (task_id) DO NOTHING`;

/**
 * After `FIRE_INSERT` in the same transaction: schedule ?1 at version ?2 of generation ?7
 * moves on to slot ?3 (NULL: none left), having fired ?4 slots, the latest
 * ?5 (NULL: none) whose task is ?6 if it exists. `changes()` is the number of
 * tasks `FIRE_INSERT` just made; its other slots count as skipped.
 */
export const FIRE_ADVANCE = `UPDATE sokka_schedules SET next_slot_at = ?3, last_slot_at = coalesce(?5, last_slot_at),
    last_fired_at = ${NOW}, skipped_slots = skipped_slots + ?4 - changes(),
    last_task_id = CASE WHEN EXISTS (SELECT 1 FROM sokka_tasks WHERE task_id = ?6) THEN ?6 ELSE last_task_id END,
    version = version + 1, updated_at = ${NOW}
  WHERE name = ?1 AND version = ?2 AND generation = ?7`;
