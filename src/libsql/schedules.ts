/**
 * Schedules in the libSQL store: defining them (a compare-and-set loop on
 * `version`: read the schedule and the database clock, compute the next slot
 * with croner, write only if nobody wrote in between), and firing their due
 * slots, every slot making exactly one task however many processes fire at
 * once (statements/schedules.ts).
 *
 * @module
 */

import * as v from "valibot";
import type { Row, Value } from "../drivers/driver.ts";
import { encodeData } from "../data.ts";
import { TaskError } from "../errors.ts";
import { checkArg, fields, invalid, Name, parseOrThrow } from "../schemas.ts";
import { ScheduleDefSchema, ScheduleName } from "../schemas/schedule-def.ts";
import { canonicalZone, parseCron, slotAfter, type Slots } from "../schedules/cron.ts";
import type { Backoff, Schedule, ScheduleDef } from "../types.ts";
import type { StoreContext } from "./context.ts";
import { DEFAULT_SUB_TOPIC } from "./statements/fragments.ts";
import * as q from "./statements/schedules.ts";

/** Compare-and-set attempts of an edit before giving up (each lost only to a firing or an edit in between). */
const CAS_ATTEMPTS = 20;

export const num = (x: unknown): number | null => (x === null || x === undefined ? null : Number(x));

/** A schedule row as a `Schedule`. */
export function scheduleOf<D>(r: Row): Schedule<D> {
  return {
    name: r.name as string,
    cron: r.cron as string,
    timezone: r.timezone as string,
    topic: r.topic as string,
    subTopic: r.sub_topic as string,
    taskDescription: (r.task_description as string | null) ?? null,
    data: JSON.parse(r.data as string) as D,
    priority: Number(r.priority),
    maxAttempts: num(r.max_attempts),
    backoff: r.backoff === null ? null : JSON.parse(r.backoff as string) as Backoff,
    timeoutMs: num(r.timeout_ms),
    overlap: r.overlap as "allow" | "skip",
    backfillMs: Number(r.backfill_ms),
    paused: Number(r.paused) === 1,
    nextSlotAt: num(r.next_slot_at),
    lastSlotAt: num(r.last_slot_at),
    lastFiredAt: num(r.last_fired_at),
    lastTaskId: (r.last_task_id as string | null) ?? null,
    skippedSlots: Number(r.skipped_slots),
    version: Number(r.version),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** A parsed cron, or `bad-request/invalid-schedule` naming the field. */
export function slotsOf(cron: string, timezone: string, what: string): Slots {
  const parsed = parseCron(cron, timezone);
  if (Array.isArray(parsed)) throw invalid(what, parsed, "invalid-schedule");
  return parsed;
}

/** The first slot to fire for a schedule written at `now` (database clock): after now and after its last slot. */
const firstSlot = (slots: Slots, now: number, lastSlotAt: number | null) =>
  slotAfter(slots, Math.max(now, lastSlotAt ?? -Infinity));

/** Creates or replaces a schedule (see `TaskQ.schedule`). */
export async function defineSchedule<D>(ctx: StoreContext, input: ScheduleDef<D>): Promise<Schedule<D>> {
  const what = "schedule";
  const def = parseOrThrow(ScheduleDefSchema, input, what, "invalid-schedule");
  const slots = slotsOf(def.cron, def.timezone ?? "UTC", what);
  // stored as the runtime names it ("utc" → "UTC"), so one zone reads the same everywhere it is shown
  const timezone = canonicalZone(def.timezone ?? "UTC") ?? "UTC";
  const data = encodeData(def.data === undefined ? null : def.data, ctx.maxDataBytes, what, "data", "invalid-schedule");
  const args = (paused: boolean) => [
    def.name,
    def.cron,
    timezone,
    def.topic,
    def.subTopic ?? DEFAULT_SUB_TOPIC,
    def.taskDescription ?? null,
    data,
    def.priority ?? 0,
    def.maxAttempts ?? null,
    def.backoff === undefined ? null : JSON.stringify(def.backoff),
    def.timeoutMs ?? null,
    def.overlap ?? "allow",
    def.backfillMs ?? 0,
    paused ? 1 : 0,
  ];
  for (let i = 0; i < CAS_ATTEMPTS; i++) {
    const [now, existing, generation] = await readWithClock(ctx, def.name, what);
    const next = firstSlot(slots, now, existing?.lastSlotAt ?? null);
    if (next === null) {
      throw invalid(
        what,
        [{ path: "cron", message: "names no time after now: the schedule would never fire" }],
        "invalid-schedule",
      );
    }
    const write = existing
      ? { sql: q.REPLACE_SCHEDULE, args: [...args(def.paused ?? existing.paused), next, existing.version, generation] }
      : { sql: q.INSERT_SCHEDULE, args: [...args(def.paused ?? false), next] };
    const rs = await ctx.run(write, "write", what);
    if (rs.rows.length) return scheduleOf<D>(rs.rows[0]);
  }
  throw busy(what, def.name);
}

/** The database clock and schedule `name` (or null) with its generation, in one read. */
async function readWithClock(
  ctx: StoreContext,
  name: string,
  what: string,
): Promise<[number, Schedule | null, Value]> {
  const rs = await ctx.run({ sql: q.SCHEDULE_AND_NOW, args: [name] }, "read", what);
  const r = rs.rows[0];
  return [Number(r.now), r.name === null ? null : scheduleOf(r), r.generation];
}

/** Every compare-and-set lost: the schedule is being written without pause by others. */
const busy = (what: string, name: string) =>
  new TaskError("conflict", "task-concurrently-updated", `${what}: schedule ${name} kept changing; try again`);

const notFound = (what: string, name: string) =>
  new TaskError("not-found", "schedule-not-found", `${what}: no schedule named ${JSON.stringify(name)}`);

/** Deletes a schedule; its tasks stay. */
export async function deleteSchedule(ctx: StoreContext, name: string): Promise<boolean> {
  checkArg(ScheduleName, name, "unschedule", "name", "invalid-schedule");
  const rs = await ctx.run({ sql: q.DELETE_SCHEDULE, args: [name] }, "write", "unschedule");
  return rs.rowsAffected > 0;
}

/** The schedule, or null. */
export async function readSchedule<D>(ctx: StoreContext, name: string): Promise<Schedule<D> | null> {
  checkArg(ScheduleName, name, "getSchedule", "name", "invalid-schedule");
  const rs = await ctx.run({ sql: q.SELECT_SCHEDULE, args: [name] }, "read", "getSchedule");
  return rs.rows.length ? scheduleOf<D>(rs.rows[0]) : null;
}

/** Every schedule, or those of a topic. */
export async function readSchedules(ctx: StoreContext, opts: { topic?: string } = {}): Promise<Schedule[]> {
  const o = parseOrThrow(
    ScheduleListSchema,
    opts ?? {},
    "listSchedules",
    "invalid-options",
  );
  const rs = await ctx.run({ sql: q.LIST_SCHEDULES, args: [o.topic ?? null] }, "read", "listSchedules");
  return rs.rows.map((r) => scheduleOf(r));
}

const ScheduleListSchema = fields({ topic: v.optional(Name) }, "schedule listing options { topic? }");

/** Pauses a schedule. */
export async function pause<D>(ctx: StoreContext, name: string): Promise<Schedule<D>> {
  checkArg(ScheduleName, name, "pauseSchedule", "name", "invalid-schedule");
  const rs = await ctx.run({ sql: q.PAUSE_SCHEDULE, args: [name] }, "write", "pauseSchedule");
  if (!rs.rows.length) throw notFound("pauseSchedule", name);
  return scheduleOf<D>(rs.rows[0]);
}

/** Resumes a schedule from its first slot after now; an active one is left as it is. */
export async function resume<D>(ctx: StoreContext, name: string): Promise<Schedule<D>> {
  const what = "resumeSchedule";
  checkArg(ScheduleName, name, what, "name", "invalid-schedule");
  for (let i = 0; i < CAS_ATTEMPTS; i++) {
    const [now, s, generation] = await readWithClock(ctx, name, what);
    if (!s) throw notFound(what, name);
    if (!s.paused) return s as Schedule<D>;
    const next = firstSlot(slotsOf(s.cron, s.timezone, what), now, s.lastSlotAt);
    const rs = await ctx.run({ sql: q.RESUME_SCHEDULE, args: [name, s.version, next, generation] }, "write", what);
    if (rs.rows.length) return scheduleOf<D>(rs.rows[0]);
  }
  throw busy(what, name);
}
