/**
 * A schedule's slots: the times its cron names in its time zone, computed by
 * croner (DST-correct on the zone's own clock; see docs/schedules.md). Only
 * pure computation here: what is due is decided by the database clock, which
 * the caller passes in.
 *
 * @module
 */

import { Cron } from "croner";
import type { Issue } from "../errors.ts";

/** A cron in a zone, for computing slots (no timer is ever started). */
export type Slots = Cron;

/** The zone's canonical IANA name (`"utc"` → `"UTC"`), or null when this runtime does not know it. */
export function canonicalZone(timezone: string): string | null {
  try {
    return new Intl.DateTimeFormat("en", { timeZone: timezone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** A parsed cron, or the issues that refuse it (`cron`, `timezone`). */
export function parseCron(cron: string, timezone: string): Slots | Issue[] {
  if (canonicalZone(timezone) === null) {
    return [{
      path: "timezone",
      message: `must be an IANA time zone such as Europe/London, not ${JSON.stringify(timezone)}`,
    }];
  }
  try {
    // legacyMode: a day-of-month and a day-of-week both given match either (as Vixie cron), croner's default too
    return new Cron(cron, { timezone, legacyMode: true });
  } catch (e) {
    const why = String((e as Error).message).replace(/^CronPattern: /, "");
    return [{ path: "cron", message: `is not a valid cron expression: ${why}` }];
  }
}

/** The first slot strictly after `afterMs`, or `null` when the cron names no later time. */
export function slotAfter(slots: Slots, afterMs: number): number | null {
  return slots.nextRun(new Date(afterMs))?.getTime() ?? null;
}

/** The latest slot at or before `atMs`, not before `notBeforeMs`; `null` when there is none. */
export function latestSlot(slots: Slots, atMs: number, notBeforeMs: number): number | null {
  const prev = slots.previousRuns(1, new Date(atMs + 1))[0]?.getTime();
  return prev !== undefined && prev >= notBeforeMs ? prev : null;
}

/**
 * The slots from `fromMs` (inclusive) to `toMs` (inclusive), in order, at
 * most `max` of them.
 */
export function slotsBetween(slots: Slots, fromMs: number, toMs: number, max: number): number[] {
  const out: number[] = [];
  let at = slotAfter(slots, fromMs - 1);
  while (at !== null && at <= toMs && out.length < max) {
    out.push(at);
    at = slotAfter(slots, at);
  }
  return out;
}

/** A slot's task id: `<name>@<slot in ISO 8601, UTC, to the second>`. */
export const slotTaskId = (name: string, slotMs: number): string =>
  `${name}@${new Date(slotMs).toISOString().replace(/\.\d{3}Z$/, "Z")}`;
