/**
 * Firing schedules: the due slots of each active schedule become tasks, in
 * one write transaction per schedule that inserts them and moves the
 * schedule on by compare-and-set on the version it was read at
 * (statements/schedules.ts). Two processes that read the same version race
 * for one transaction: the second's guard matches nothing, so it makes no
 * task. The slot's task id, derived from (name, slot), is a second guard.
 *
 * Which slots fire (the database clock decides what is due): the latest due
 * slot always; with `backfillMs`, every due slot of the last `backfillMs`
 * too; with `overlap: "skip"`, only the latest, and only if the schedule's
 * previous task has finished.
 *
 * @module
 */

import type { Row } from "../drivers/driver.ts";
import { Name } from "../schemas.ts";
import { latestSlot, parseCron, slotAfter, slotsBetween, slotTaskId } from "../schedules/cron.ts";
import * as v from "valibot";
import { parseOrThrow } from "../schemas.ts";
import type { FireResult } from "../types.ts";
import type { StoreContext } from "./context.ts";
import { num } from "./schedules.ts";
import * as q from "./statements/schedules.ts";

/** Most slots one firing of one schedule makes (a backfill goes on in the next round at once). */
export const MAX_SLOTS_PER_FIRING = 500;
/** Most schedules one round reads (the rest are still due, and fire in the next round). */
const MAX_DUE_PER_ROUND = 100;
/** How long a schedule this runtime cannot read is put off before it is tried again. */
export const UNREADABLE_RETRY_MS = 60_000;
/** Most rounds of one call: a caller that still finds slots due calls again. */
const MAX_ROUNDS = 20;

const FireOptionsSchema = v.strictObject({
  topics: v.optional(v.array(Name, "must be an array of topic names")),
}, "must be fire options { topics? }");

/** The slots of a due schedule to fire now, and its next slot after them. */
export function slotsToFire(
  s: { cron: string; timezone: string; overlap: string; backfillMs: number; nextSlotAt: number },
  now: number,
): { fire: number[]; next: number | null } | { error: string } {
  const slots = parseCron(s.cron, s.timezone);
  if (Array.isArray(slots)) return { error: slots.map((i) => `${i.path} ${i.message}`).join("; ") };
  let fire: number[] = [];
  if (s.backfillMs > 0 && s.overlap === "allow") {
    fire = slotsBetween(slots, Math.max(s.nextSlotAt, now - s.backfillMs), now, MAX_SLOTS_PER_FIRING);
  }
  if (!fire.length) {
    const latest = latestSlot(slots, now, s.nextSlotAt);
    if (latest !== null) fire = [latest];
  }
  const last = fire.length ? fire[fire.length - 1] : now;
  return { fire, next: slotAfter(slots, last) };
}

/**
 * Fires one due schedule (row of `DUE_SCHEDULES`) at `now`: the tasks it
 * made (0 when another firer won), and why it could not fire, if so. A
 * schedule this runtime cannot read (a zone its time-zone data lacks, a
 * cron another croner version wrote) is put off by `UNREADABLE_RETRY_MS`,
 * so that it neither holds up the schedules behind it nor is read again at once.
 */
async function fireOne(ctx: StoreContext, r: Row, now: number): Promise<{ made: number; error?: string }> {
  const name = r.name as string;
  const version = Number(r.version);
  const read = slotsToFire({
    cron: r.cron as string,
    timezone: r.timezone as string,
    overlap: r.overlap as string,
    backfillMs: Number(r.backfill_ms),
    nextSlotAt: Number(r.next_slot_at),
  }, now);
  const error = "error" in read
    ? `schedule ${name} cannot be read here (${read.error}); put off for a minute`
    : undefined;
  const plan = "error" in read ? { fire: [], next: now + UNREADABLE_RETRY_MS } : read;
  const last = plan.fire.length ? plan.fire[plan.fire.length - 1] : null;
  const slotsJson = JSON.stringify(plan.fire.map((s) => [slotTaskId(name, s), s]));
  const [made, moved] = await ctx.batch(
    [
      { sql: q.FIRE_INSERT, args: [name, slotsJson, version, r.generation] },
      {
        sql: q.FIRE_ADVANCE,
        args: [
          name,
          version,
          plan.next,
          plan.fire.length,
          last,
          last === null ? null : slotTaskId(name, last),
          r.generation,
        ],
      },
    ],
    "write",
    plan.fire.length + 1,
    "fireSchedules",
  );
  if (moved.rowsAffected === 0) return { made: 0 }; // another firer or an edit came first: theirs to tell
  if (made.rowsAffected > 0 && ctx.listening()) {
    ctx.announce([{ topic: r.topic as string, runAt: now, updatedAt: now }]);
  }
  return { made: made.rowsAffected, error };
}

/** Fires the due slots of the active schedules of `topics` (all when absent); see `TaskQ.fireSchedules`. */
export async function fireSchedules(ctx: StoreContext, opts: { topics?: string[] } = {}): Promise<FireResult> {
  const o = parseOrThrow(FireOptionsSchema, opts ?? {}, "fireSchedules", "invalid-options");
  const topics = o.topics === undefined ? null : JSON.stringify(o.topics);
  let fired = 0;
  const errors: FireResult["errors"] = [];
  for (let round = 0;; round++) {
    const [head] = (await ctx.run({ sql: q.SOONEST_SLOT, args: [topics] }, "read", "fireSchedules")).rows;
    const now = Number(head.now);
    const soonest = num(head.soonest);
    if (soonest === null || soonest > now || round === MAX_ROUNDS) return { fired, nextSlotAt: soonest, now, errors };
    const due = await ctx.run(
      { sql: q.DUE_SCHEDULES, args: [topics, now, MAX_DUE_PER_ROUND] },
      "read",
      "fireSchedules",
      MAX_DUE_PER_ROUND,
    );
    let made = 0;
    for (const r of due.rows) {
      const one = await fireOne(ctx, r, now);
      made += one.made;
      if (one.error) errors.push({ name: r.name as string, message: one.error });
    }
    fired += made;
    // nothing made in a round after the first: what is still due is another firer's to move on (or skips): no spin
    if (made === 0 && round > 0) return { fired, nextSlotAt: soonest, now, errors };
  }
}
