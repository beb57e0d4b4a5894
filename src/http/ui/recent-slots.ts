/**
 * A schedule's latest slots and the task each made, for the dashboard (and
 * the database clock, to say how overdue its next slot is). A
 * slot's task id is derived from (schedule, slot) (see `slotTaskId`), so the
 * latest slots are computed from the schedule's cron back from its last
 * slot, and each task is one read by id: a few point reads per schedule,
 * however many tasks the schedule has made (a listing by schedule reads all
 * of them to order each status). A slot with no task was skipped (overlap,
 * a pause, outside the backfill window) or its task was pruned.
 *
 * @module
 */

import { parseCron, slotTaskId } from "../../schedules/cron.ts";
import type { Schedule, Task, TaskQ } from "../../types.ts";
import { databaseNow } from "../database-clock.ts";

/** A slot and its task (`null`: it made none, or it was pruned). */
export interface SlotTask {
  slotAt: number;
  taskId: string;
  task: Task | null;
}

/** A schedule and its latest slots, as a row of the schedules table shows them. */
export interface ScheduleRow {
  schedule: Schedule;
  slots: SlotTask[];
}

/**
 * The latest `n` slots of `s`, newest first: its last slot, then the times
 * its cron (as it is now) names before it, from its creation on.
 *
 * @example
 * ```ts
 * const slots = slotTimes((await taskq.getSchedule("nightly-report"))!, 5);
 * ```
 */
export function slotTimes(s: Schedule, n: number): number[] {
  if (s.lastSlotAt === null || n < 1) return [];
  const slots = parseCron(s.cron, s.timezone);
  const earlier = Array.isArray(slots)
    ? []
    : slots.previousRuns(n, new Date(s.lastSlotAt)).map((d) => d.getTime()).filter((t) => t >= s.createdAt);
  return [s.lastSlotAt, ...earlier.filter((t) => t < s.lastSlotAt!)].slice(0, n);
}

/** The latest `n` slots of `s` and their tasks, newest first (`n` reads by id, at once). */
export async function recentSlots(taskq: TaskQ, s: Schedule, n: number): Promise<SlotTask[]> {
  const times = slotTimes(s, n);
  const ids = times.map((t) => slotTaskId(s.name, t));
  const tasks = await Promise.all(ids.map((id) => taskq.task(id)));
  return times.map((slotAt, i) => ({ slotAt, taskId: ids[i], task: tasks[i] }));
}

/** `schedules` with their latest `slots` slots, and the database clock, read at once. */
export async function scheduleRows(
  taskq: TaskQ,
  schedules: Schedule[],
  slots: number,
): Promise<{ rows: ScheduleRow[]; now: number }> {
  const [now, ...rows] = await Promise.all([
    schedules.length ? databaseNow(taskq, schedules[0].topic) : Promise.resolve(0),
    ...schedules.map(async (schedule) => ({ schedule, slots: await recentSlots(taskq, schedule, slots) })),
  ]);
  return { rows: rows as ScheduleRow[], now: now as number };
}
