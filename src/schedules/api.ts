/**
 * The functional API of schedules: thin wrappers over a `TaskQ`'s schedule
 * methods, as `createTask(taskq, def)` is over `taskq.createTask(def)`.
 *
 * @module
 */

import { checkTaskQ } from "../api.ts";
import type { Schedule, ScheduleDef, TaskQ } from "../types.ts";

/**
 * Creates or replaces the schedule `def.name`: a task on `def.topic` for
 * every time its cron names, in its time zone (UTC by default). Any number
 * of processes may fire it (workers and drains of its topic, `scheduler()`):
 * each slot makes exactly one task, whose id is `<name>@<slot>` and whose
 * `scheduleName` and `slotAt` say where it came from. Replacing a schedule
 * never fires a slot twice: firing goes on from the first slot after now.
 *
 * @example
 * ```ts
 * await schedule(taskq, {
 *   name: "cleanup",
 *   cron: "0 3 * * *", // 03:00 every day
 *   timezone: "America/New_York",
 *   topic: "maintenance",
 *   data: { olderThanDays: 30 },
 * });
 * const w = worker({ taskq, topic: "maintenance", pfn: () => ok() }); // fires the slots and runs them
 * ```
 */
export function schedule<D>(taskq: TaskQ, def: ScheduleDef<D>): Promise<Schedule<D>> {
  return checkTaskQ(taskq, "schedule").schedule(def);
}

/**
 * Deletes a schedule; resolves `false` when there was none. Tasks it already
 * made stay: a waiting one still runs (cancel it if it should not).
 *
 * @example
 * ```ts
 * await unschedule(taskq, "cleanup");
 * for await (const t of scrollTasks(taskq, { schedule: "cleanup", status: "starting" })) {
 *   await cancelTask(taskq, t.taskId, "schedule removed");
 * }
 * ```
 */
export function unschedule(taskq: TaskQ, name: string): Promise<boolean> {
  return checkTaskQ(taskq, "unschedule").unschedule(name);
}

/**
 * The schedule named `name`, or `null`.
 *
 * @example
 * ```ts
 * const s = await getSchedule(taskq, "cleanup");
 * if (s) console.log(new Date(s.nextSlotAt!), s.lastTaskId);
 * ```
 */
export function getSchedule<D>(taskq: TaskQ, name: string): Promise<Schedule<D> | null> {
  return checkTaskQ(taskq, "getSchedule").getSchedule<D>(name);
}

/**
 * Every schedule (or those of one topic), by name.
 *
 * @example
 * ```ts
 * for (const s of await listSchedules(taskq)) console.log(s.name, s.cron, s.paused);
 * ```
 */
export function listSchedules(taskq: TaskQ, opts?: { topic?: string }): Promise<Schedule[]> {
  return checkTaskQ(taskq, "listSchedules").listSchedules(opts);
}

/**
 * Stops a schedule firing. The slots that come while it is paused are skipped.
 *
 * @example
 * ```ts
 * await pauseSchedule(taskq, "cleanup");
 * ```
 */
export function pauseSchedule<D>(taskq: TaskQ, name: string): Promise<Schedule<D>> {
  return checkTaskQ(taskq, "pauseSchedule").pauseSchedule<D>(name);
}

/**
 * Lets a paused schedule fire again, from its first slot after now.
 *
 * @example
 * ```ts
 * await resumeSchedule(taskq, "cleanup");
 * ```
 */
export function resumeSchedule<D>(taskq: TaskQ, name: string): Promise<Schedule<D>> {
  return checkTaskQ(taskq, "resumeSchedule").resumeSchedule<D>(name);
}
