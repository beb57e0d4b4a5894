/**
 * The alarm model of a store inside a Durable Object: an idle object is
 * evicted, so no `worker()` loop runs there; the object's one alarm is set
 * to the earliest moment something is due (`nextWakeAt`), its `alarm()`
 * handler drains (`drainOnAlarm`) and sets the alarm again. Alarms are
 * delivered at least once and retried: a second delivery finds a task that
 * the first one runs under a valid lease, and does not take it.
 *
 * @module
 */

import type { DrainOptions, DrainResult, TaskQ } from "../types.ts";
import { drain } from "../worker/drain.ts";
import * as v from "valibot";
import { fields, Name, NonNegativeMs, parseOrThrow } from "../schemas.ts";
import { type DurableObjectSqlStorage, isSqlStorage } from "./durable-object.ts";
import { NOW, PARKED, WAITING } from "../libsql/statements/fragments.ts";
import { NEXT_READY_KEYED } from "../libsql/statements/reserve.ts";

/** `ctx.storage` of a Durable Object with SQLite storage and its alarm. */
export interface DurableObjectAlarmStorage extends DurableObjectSqlStorage {
  /** When the object's alarm is set to fire (epoch ms), or null. */
  getAlarm(): Promise<number | null>;
  /** Sets the object's one alarm (epoch ms; a time past fires it at once). */
  setAlarm(scheduledTime: number): Promise<void>;
  /** Removes the object's alarm. */
  deleteAlarm(): Promise<void>;
}

/** Which topics `nextWakeAt` and the alarm helpers look at. */
export interface WakeOptions {
  /** Only these topics (their tasks and the schedules making tasks of them); absent: every topic. */
  topics?: string[];
}

const AlarmStorage = v.custom<DurableObjectAlarmStorage>(
  (s) => isSqlStorage(s) && ["getAlarm", "setAlarm", "deleteAlarm"].every((m) => typeof (s as any)[m] === "function"),
  "must be a Durable Object's ctx.storage with SQLite storage (sql.exec, transactionSync and its alarm)",
);
const SqlStorage = v.custom<DurableObjectSqlStorage>(
  isSqlStorage,
  "must be a Durable Object's ctx.storage with SQLite storage (sql.exec and transactionSync)",
);
const WakeOptionsSchema = v.optional(
  fields({ topics: v.optional(v.array(Name, "must be an array of topics")) }, "options ({ topics })"),
);
const DrainOnAlarmSchema = fields({
  taskq: v.custom<TaskQ>((q) => typeof (q as TaskQ)?.fireSchedules === "function", "must be a TaskQ"),
  storage: AlarmStorage,
  drains: v.pipe(
    v.array(v.looseObject({ topic: Name }, "must be drain() options without taskq"), "must be an array"),
    v.minLength(1, "must hold a drain"),
    v.check((ds) => new Set(ds.map((d) => d.topic)).size === ds.length, "must name each topic once"),
  ),
  retryMs: v.optional(NonNegativeMs),
}, "drainOnAlarm options");

/** The topics with a task that is waiting or parked (running under a lease, snoozed, retrying). */
const LIVE_TOPICS =
  `SELECT topic FROM sokka_tasks WHERE ${WAITING} UNION SELECT topic FROM sokka_tasks WHERE ${PARKED}`;
/**
 * When topic ?1's next task can be reserved (epoch ms; a time past is due now), from the store's own
 * `NEXT_READY_KEYED` (milliseconds from now), in one statement: one clock reading for both.
 */
const NEXT_AT = `SELECT ${NOW} + max(0, n.wait) AS at FROM (${NEXT_READY_KEYED}) AS n WHERE n.wait IS NOT NULL`;
/** The soonest slot of the active schedules of each topic. */
const NEXT_SLOTS = "SELECT topic, min(next_slot_at) AS at FROM sokka_schedules WHERE paused = 0 GROUP BY topic";

/**
 * When the object's alarm should next fire (epoch ms, the database clock of
 * the object), or `null` when nothing is due ever: the earliest of the next
 * due task of any topic (created with `runAt`, a retry's backoff, the end of
 * a snooze), the expiry of a running task's lease (when its task becomes
 * reservable again if its run was lost), and the next slot of an active
 * schedule. A topic that is paused adds nothing; one held by its limits adds
 * when they let the next task go. Time past means due now. Reads the
 * object's SQLite directly (synchronously); a store that never ran has no
 * tables yet and nothing due.
 *
 * @example
 * ```ts
 * const at = nextWakeAt(ctx.storage);
 * if (at !== null) await ctx.storage.setAlarm(at);
 * ```
 */
export function nextWakeAt(storage: DurableObjectSqlStorage, options?: WakeOptions): number | null {
  parseOrThrow(SqlStorage, storage, "nextWakeAt: storage", "invalid-options");
  const topics = parseOrThrow(WakeOptionsSchema, options, "nextWakeAt", "invalid-options")?.topics;
  const only = topics ? new Set(topics) : null;
  const sql = storage.sql;
  let soonest: number | null = null;
  const consider = (at: unknown) => {
    if (at === null || at === undefined) return;
    const ms = Number(at);
    if (Number.isFinite(ms) && (soonest === null || ms < soonest)) soonest = ms;
  };
  try {
    for (const row of sql.exec(LIVE_TOPICS).toArray()) {
      const topic = String(row.topic);
      if (only && !only.has(topic)) continue;
      // the store's own look at a topic: its soonest ready task, later when its limits hold it back
      consider(sql.exec(NEXT_AT, topic).toArray()[0]?.at);
    }
    for (const row of sql.exec(NEXT_SLOTS).toArray()) {
      if (!only || only.has(String(row.topic))) consider(row.at);
    }
  } catch (e) {
    if (/no such table/i.test(String((e as Error)?.message))) return null; // the store never opened here
    throw e;
  }
  return soonest;
}

/**
 * Makes sure the object's alarm fires no later than `nextWakeAt`: call it
 * after creating tasks (a `runAt` later, or any create while no alarm is
 * set) or a schedule. An earlier alarm already set is kept. Resolves with
 * the time the alarm is set to, or `null` when none is needed and none is set.
 *
 * @example
 * ```ts
 * await this.taskq.createTask({ topic: "email", data, runAt: Date.now() + 60_000 });
 * await ensureAlarm(this.ctx.storage);
 * ```
 */
export async function ensureAlarm(storage: DurableObjectAlarmStorage, options?: WakeOptions): Promise<
  number | null
> {
  parseOrThrow(AlarmStorage, storage, "ensureAlarm: storage", "invalid-options");
  const at = nextWakeAt(storage, options);
  const current = await storage.getAlarm();
  if (at === null || (current !== null && current <= at)) return current;
  await storage.setAlarm(at);
  return at;
}

/** What `drainOnAlarm` is given: the store, the object's storage, and one drain per topic. */
export interface DrainOnAlarmOptions {
  /** The object's store (made with `durableObjectSql(ctx.storage)`). */
  taskq: TaskQ;
  /** The object's `ctx.storage`: read for `nextWakeAt`, and its alarm set. */
  storage: DurableObjectAlarmStorage;
  /** A drain per topic the object runs (`drain()`'s options without `taskq`); they run side by side. */
  drains: Omit<DrainOptions<any>, "taskq">[];
  /**
   * When tasks were due before the drains began and no drain took any (its
   * budget ended at once, a task's timeout never fits), the alarm is set
   * this far ahead instead of now, so that the object does not spin.
   * Default 1000 ms.
   */
  retryMs?: number;
}

/** What one `drainOnAlarm` did. */
export interface AlarmRun {
  /** Tasks the due slots of schedules made before the drains. */
  fired: number;
  /** Each drain's result, by topic. */
  drains: Record<string, DrainResult>;
  /** What the alarm is set to now (epoch ms), or `null` when none is set. */
  nextAlarmAt: number | null;
}

/**
 * The body of a Durable Object's `alarm()`: fires the due slots of the
 * drained topics' schedules, drains each topic (`drain()`, bounded by its
 * `budgetMs`), then sets the object's one alarm to `nextWakeAt` of those
 * topics (deleted when nothing is due). A re-delivered or concurrent alarm
 * is harmless: a task is only taken when no valid lease holds it. When a
 * drain fails the alarm is still set again before the error is passed on
 * (workerd then retries the alarm as well).
 *
 * @example
 * ```ts
 * async alarm() {
 *   await drainOnAlarm({ taskq: this.taskq, storage: this.ctx.storage, drains: [{ topic: "email", pfn: send }] });
 * }
 * ```
 */
export async function drainOnAlarm(options: DrainOnAlarmOptions): Promise<AlarmRun> {
  parseOrThrow(DrainOnAlarmSchema, options, "drainOnAlarm", "invalid-options");
  const { taskq, storage, drains } = options;
  const topics = drains.map((d) => d.topic);
  const wake = { topics };
  const run: AlarmRun = { fired: 0, drains: {}, nextAlarmAt: null };
  const started = Date.now();
  try {
    run.fired = (await taskq.fireSchedules({ topics })).fired;
    const results = await Promise.all(drains.map((d) => drain({ ...d, taskq })));
    results.forEach((r, i) => (run.drains[topics[i]] = r));
  } finally {
    const at = nextWakeAt(storage, wake);
    const took = Object.values(run.drains).some((r) => r.reserved > 0);
    // due since before the drains began and none of them took anything: they cannot; do not spin on it
    const stuck = at !== null && at <= started && !took;
    if (at === null) await storage.deleteAlarm();
    else await storage.setAlarm(stuck ? Date.now() + (options.retryMs ?? 1000) : at);
    run.nextAlarmAt = at === null ? null : await storage.getAlarm();
  }
  return run;
}
