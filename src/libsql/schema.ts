/**
 * The libSQL schema and its migrations. Applied lazily, once per store, in
 * one write transaction guarded by the `sokka_schema` version table, so
 * several processes opening a new database at once agree on one result.
 *
 * @module
 */

import type { Driver } from "../drivers/driver.ts";
import { TaskError } from "../errors.ts";
import { STATUSES } from "../schemas.ts";
import { PARKED, WAITING } from "./statements/fragments.ts";
import { LIMITS_SCHEMA } from "./statements/limits.ts";
import { DEPENDANTS_TRIGGER, PRUNED_TRIGGER } from "./statements/dependencies.ts";
import { COVERED } from "./statements/unique.ts";

/**
 * The status CHECK as a chain of comparisons, not `status IN (…)`: SQLite
 * looks up an IN list of over two constants in a temporary table that a
 * CHECK fills again for every row written, and every transition writes
 * `status` (docs/performance.md, "No IN list in a CHECK").
 */
const STATUS_CHECK = STATUSES.map((s) => `status = '${s}'`).join(" OR ");

/**
 * The activity counters and the status whose entry each counts. One narrow
 * trigger per counter, each adding 1 to one column: cheaper per transition
 * than one trigger computing all five (docs/http.md, its cost).
 */
const COUNTED = [["completed", "terminated"], ["failed", "failed"], ["snoozed", "snoozed"], [
  "cancelled",
  "cancelled",
]] as const;

/** A trigger's body: one more in `column` for the task's topic and the minute of its update. */
const countInto = (column: string) =>
  `INSERT INTO sokka_activity (topic, minute, ${column}) VALUES (NEW.topic, NEW.updated_at / 60000, 1)
        ON CONFLICT (topic, minute) DO UPDATE SET ${column} = ${column} + 1;`;

/**
 * The migrations, in order, each a list of statements. In `sokka_tasks`,
 * `ready_at` is the column reservation looks at: when the task becomes
 * reservable (creation, `runAt`, hand-back or the end of a retry's backoff
 * for `starting`, lease expiry for `running`, snooze end for `snoozed`) and
 * NULL once it rests (held or final). The partial indexes over live tasks
 * (WAITING, PARKED in statements/fragments.ts) therefore hold none of those: reserving costs
 * the same whatever the number of finished ones.
 */
const MIGRATIONS: string[][] = [
  [
    `CREATE TABLE sokka_tasks (
      id INTEGER PRIMARY KEY,
      task_id TEXT NOT NULL UNIQUE,
      -- NULL: the task's own group (its id), the default; a task alone stores no second copy of its id
      task_group_id TEXT CHECK (task_group_id <> task_id),
      task_description TEXT,
      topic TEXT NOT NULL,
      sub_topic TEXT NOT NULL,
      status TEXT NOT NULL CHECK (${STATUS_CHECK}),
      pid TEXT,
      record_ver INTEGER NOT NULL,
      error TEXT,
      snooze_time INTEGER,
      timeout_ms INTEGER,
      data TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      attempts INTEGER NOT NULL,
      lease_id TEXT,
      lease_expires_at INTEGER,
      ready_at INTEGER,
      priority INTEGER NOT NULL DEFAULT 0,
      max_attempts INTEGER,
      backoff TEXT,
      failures INTEGER NOT NULL DEFAULT 0,
      result TEXT,
      -- a slot task: the schedule that made it and its slot (epoch ms); NULL for every other task
      schedule_name TEXT,
      slot_at INTEGER,
      -- Few columns, as every row stores a byte per column even when NULL (a bulk create writes them all):
      -- a unique task (src/libsql/statements/unique.ts): what the unique index holds (the key, or for a
      -- period the key and its window), and its key and policy as given, as JSON {key, policy, ms?, maxMs?}
      unique_hold TEXT,
      unique_def TEXT,
      -- a dependant (statements/dependencies.ts), as JSON {on: its dependsOn ids | null, policy: what a failed
      -- dependency does, group?: the group whose follow-up it is}; how many of its dependencies have not ended;
      -- blocker: the task whose ending ended it
      deps TEXT,
      deps_left INTEGER,
      blocker TEXT,
      -- 1 once a task depends on this one: the dependants trigger's guard
      dependants INTEGER,
      -- the key a partitioned topic's limits count it under (TaskDef.partitionKey)
      partition_key TEXT
    )`,
    // Live tasks, see WAITING and PARKED in statements/fragments.ts: reservation and listing walk these. Every live step moves a
    // task's entry anyway (ready_at changes). `status` leads both so counts and statuses read the index alone.
    `CREATE INDEX sokka_tasks_waiting ON sokka_tasks (status, topic, priority, ready_at) WHERE ${WAITING}`,
    `CREATE INDEX sokka_tasks_parked ON sokka_tasks (status, topic, ready_at) WHERE ${PARKED}`,
    // Only tasks in another task's group: a task in its own group (the default) is found by task_id, so
    // creating one writes no entry here.
    `CREATE INDEX sokka_tasks_group ON sokka_tasks (task_group_id) WHERE task_group_id IS NOT NULL`,
    // Listing resting tasks (held, failed, terminated, cancelled): each gets its entries once, when it comes to
    // rest, not at every step (see listSql in statements/listing.ts). `ready_at`, always NULL here, makes them
    // covering: SQLite reads the partial index's own condition from the index.
    `CREATE INDEX sokka_tasks_by_status ON sokka_tasks (status, updated_at, task_id, ready_at) WHERE ready_at IS NULL`,
    `CREATE INDEX sokka_tasks_by_topic_status ON sokka_tasks (topic, status, updated_at, task_id, ready_at) WHERE ready_at IS NULL`,
    // A schedule's tasks by slot: its latest (the overlap guard, the dashboard) and listTasks({ schedule }).
    // Only slot tasks: a task made otherwise writes no entry here.
    `CREATE INDEX sokka_tasks_schedule ON sokka_tasks (schedule_name, slot_at) WHERE schedule_name IS NOT NULL`,
    // The unique key: at most one task per (topic, hold) among those that hold their key (unique.ts).
    // A task without a key has no entry; a status change evaluates the condition and writes nothing.
    `CREATE UNIQUE INDEX sokka_tasks_unique ON sokka_tasks (topic, unique_hold) WHERE ${COVERED}`,
    // The tasks a dependency's ending ended (the dependants trigger finds them again on its re-run).
    `CREATE INDEX sokka_tasks_blocker ON sokka_tasks (blocker) WHERE blocker IS NOT NULL`,
    // Dependency edges, both task ids: a dependant's dependencies by the key, a task's dependants by the index.
    `CREATE TABLE sokka_deps (
      dependant TEXT NOT NULL,
      dependency TEXT NOT NULL,
      PRIMARY KEY (dependant, dependency)
    ) WITHOUT ROWID`,
    `CREATE INDEX sokka_deps_dependants ON sokka_deps (dependency, dependant)`,
    // Sealed groups and their follow-up (sealGroup): one seal per group.
    `CREATE TABLE sokka_groups (
      task_group_id TEXT PRIMARY KEY,
      follow_up TEXT NOT NULL,
      sealed_at INTEGER NOT NULL
    ) WITHOUT ROWID`,
    DEPENDANTS_TRIGGER,
    PRUNED_TRIGGER,
    // Topic limits (statements/limits.ts): the limits as set, each topic's or key's bucket and back-off, the
    // keyed tasks' indexes and the trigger that spends a rate token at each reservation.
    ...LIMITS_SCHEMA,
    // Recurring schedules (src/libsql/schedules.ts): the task to make per slot of `cron`, and where firing
    // stands. `next_slot_at` (NULL: no slot left) only moves forward, by a compare-and-set on `version` in
    // the same transaction as the insert of the slot's tasks.
    `CREATE TABLE sokka_schedules (
      name TEXT PRIMARY KEY,
      cron TEXT NOT NULL,
      timezone TEXT NOT NULL,
      topic TEXT NOT NULL,
      sub_topic TEXT NOT NULL,
      task_description TEXT,
      data TEXT NOT NULL,
      priority INTEGER NOT NULL,
      max_attempts INTEGER,
      backoff TEXT,
      timeout_ms INTEGER,
      overlap TEXT NOT NULL CHECK (overlap = 'allow' OR overlap = 'skip'),
      backfill_ms INTEGER NOT NULL,
      paused INTEGER NOT NULL CHECK (paused = 0 OR paused = 1),
      next_slot_at INTEGER,
      last_slot_at INTEGER,
      last_fired_at INTEGER,
      last_task_id TEXT,
      skipped_slots INTEGER NOT NULL DEFAULT 0,
      version INTEGER NOT NULL,
      -- random per creation (a safe JS integer: every driver reads it back exact): a compare-and-set names
      -- (version, generation), so a schedule deleted and made again
      -- under its name (its version back at 1) is never taken for the one a firer or an editor read
      generation INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    ) WITHOUT ROWID`,
    `CREATE INDEX sokka_schedules_due ON sokka_schedules (topic, next_slot_at) WHERE paused = 0`,
    // A row per paused topic: reservation and the idle waiter's look check it (one primary-key seek).
    `CREATE TABLE sokka_paused_topics (topic TEXT PRIMARY KEY, paused_at INTEGER NOT NULL) WITHOUT ROWID`,
    // What happened per topic and minute (epoch minute of the transition; minute 0 holds the minutes
    // folded in after ACTIVITY_KEEP_MS): the dashboard's charts and /metrics' counters. Counted by the
    // trigger inside each transition's own statement, so every writer (any process, any route) counts.
    `CREATE TABLE sokka_activity (
      topic TEXT NOT NULL,
      minute INTEGER NOT NULL,
      completed INTEGER NOT NULL DEFAULT 0,
      failed INTEGER NOT NULL DEFAULT 0,
      retried INTEGER NOT NULL DEFAULT 0,
      snoozed INTEGER NOT NULL DEFAULT 0,
      cancelled INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (topic, minute)
    ) WITHOUT ROWID`,
    // completed/failed/snoozed/cancelled: a task entering that status; retried: a failed attempt with
    // attempts left (an outcome, a timeout, or a lease that expired), the task waiting again.
    ...COUNTED.map(([column, status]) =>
      `CREATE TRIGGER sokka_count_${column} AFTER UPDATE OF status ON sokka_tasks
        WHEN NEW.status = '${status}' AND OLD.status <> '${status}'
        BEGIN ${countInto(column)} END`
    ),
    `CREATE TRIGGER sokka_count_retried AFTER UPDATE OF failures ON sokka_tasks
      WHEN NEW.failures > OLD.failures AND NEW.status NOT IN ('failed', 'cancelled', 'terminated')
      BEGIN ${countInto("retried")} END`,
  ],
];

/** The schema version this code writes and reads. */
export const SCHEMA_VERSION: number = MIGRATIONS.length;

async function currentVersion(client: Driver): Promise<number> {
  const rs = await client.execute("SELECT version FROM sokka_schema WHERE id = 1").catch((e) => {
    if (/no such table/i.test(String((e as Error).message))) return null;
    throw e;
  });
  return rs?.rows.length ? Number(rs.rows[0].version) : 0;
}

function checkNotNewer(version: number): void {
  if (version > SCHEMA_VERSION) {
    throw new TaskError(
      "unavailable",
      "store-unavailable",
      `opening the store: database schema version ${version} is newer than this sokka (${SCHEMA_VERSION}); upgrade sokka`,
    );
  }
}

/**
 * Brings the database up to `SCHEMA_VERSION`; a no-op when it is there
 * already. The missing migrations run in ONE write batch (a single call, so
 * no other statement of this process waits on its lock in between). When
 * another process migrated first, the batch fails on the existing objects
 * and rolls back, and the version read again says all is well.
 */
export async function migrate(client: Driver): Promise<void> {
  const from = await currentVersion(client);
  checkNotNewer(from);
  if (from === SCHEMA_VERSION) return;
  try {
    await client.batch([
      "CREATE TABLE IF NOT EXISTS sokka_schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)",
      ...MIGRATIONS.slice(from).flat(),
      {
        sql:
          "INSERT INTO sokka_schema (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version",
        args: [SCHEMA_VERSION],
      },
    ], "write");
  } catch (e) {
    const now = await currentVersion(client);
    checkNotNewer(now);
    if (now !== SCHEMA_VERSION) throw e;
  }
}
